package org.sdij.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this machine can do: libtorch's fp32 matmul rate, and this process's peak resident memory. */
public final class MachineProbe {
    private MachineProbe() {}

    /** Best of several timed 2048x2048 fp32 matmuls through libtorch, in GFLOP/s. */
    public static double matmulGflops(NDManager manager) {
        int n = 2048;
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = scope.randomNormal(new Shape(n, n));
            NDArray b = scope.randomNormal(new Shape(n, n));
            a.matMul(b).close(); // warm-up: thread pool and caches
            double best = 0;
            for (int trial = 0; trial < 5; trial++) {
                long t0 = System.nanoTime();
                NDArray c = a.matMul(b);
                c.toFloatArray(); // forces completion on asynchronous devices
                double seconds = (System.nanoTime() - t0) / 1e9;
                c.close();
                best = Math.max(best, 2.0 * n * n * n / seconds / 1e9);
            }
            return best;
        }
    }

    /** Peak resident set size (VmHWM) in MB, or -1 where /proc is not available. */
    public static long peakRssMb() {
        return statusFieldMb("VmHWM:");
    }

    public static long currentRssMb() {
        return statusFieldMb("VmRSS:");
    }

    private static long statusFieldMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
