package org.sdij.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The FMA probe runs (a single-file program in a child JVM) and gives a rate per core and for all cores. */
class MachineProbeTest {

    @Test
    void theFmaProbeMeasuresARate() {
        MachineProbe.FmaPeak peak = MachineProbe.fmaPeak(0.05);
        System.out.printf("FMA peak: %d lanes, %.1f GFLOP/s per core, %.1f on %d threads%n", peak.lanes(),
                peak.perCoreGflops(), peak.allCoresGflops(), peak.threads());
        assertTrue(peak.lanes() >= 1 && peak.perCoreGflops() > 0 && peak.allCoresGflops() > 0, peak.toString());
        assertTrue(peak.threads() == Runtime.getRuntime().availableProcessors(), peak.toString());
    }
}
