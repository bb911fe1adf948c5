package org.sdij.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this machine can do: its fp32 FMA peak, libtorch's fp32 matmul rate, and this process's CPU time and peak
 * resident memory.
 */
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

    /**
     * The fp32 fused multiply-add peak in GFLOP/s, on one core and on all, as {@code FmaProbe} (a resource run
     * as a single-file program in a child JVM, the Vector API being an incubator module) measures it.
     */
    public record FmaPeak(int lanes, double perCoreGflops, double allCoresGflops, int threads) {
        static final FmaPeak UNKNOWN = new FmaPeak(0, Double.NaN, Double.NaN, 0);

        /** {@code gflops} as a fraction of the all-core peak (NaN when the peak is unknown). */
        public double fraction(double gflops) {
            return gflops / allCoresGflops;
        }
    }

    /** Runs the FMA probe for about {@code seconds} per trial; {@link FmaPeak#UNKNOWN} where it cannot run. */
    public static FmaPeak fmaPeak(double seconds) {
        try {
            Path dir = Files.createTempDirectory("sdij-fma");
            Path source = dir.resolve("FmaProbe.java"); // the single-file launcher wants the class's own name
            try {
                try (var in = MachineProbe.class.getResourceAsStream("FmaProbe.java")) {
                    Files.write(source, in.readAllBytes());
                }
                Path java = Path.of(System.getProperty("java.home"), "bin", "java");
                Process child = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector",
                        source.toString(), Double.toString(seconds)).redirectErrorStream(true).start();
                String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (child.waitFor() != 0) return FmaPeak.UNKNOWN;
                String[] f = output.strip().lines().reduce((x, y) -> y).orElse("").split(" ");
                return new FmaPeak(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                        Integer.parseInt(f[3]));
            } finally {
                Files.deleteIfExists(source);
                Files.deleteIfExists(dir);
            }
        } catch (IOException | RuntimeException e) {
            return FmaPeak.UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FmaPeak.UNKNOWN;
        }
    }

    /** Peak resident set size (VmHWM) in MB, or -1 where /proc is not available. */
    public static long peakRssMb() {
        return statusFieldMb("VmHWM:");
    }

    /**
     * Resets this process's peak resident set size to its current one (Linux's {@code clear_refs} 5), so a
     * later {@link #peakRssMb} covers only what came after; false where the kernel does not allow it.
     */
    public static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public static long currentRssMb() {
        return statusFieldMb("VmRSS:");
    }

    /** This process's CPU time so far, split into user and system (kernel) seconds. */
    public record CpuTime(double userSeconds, double systemSeconds) {
        public CpuTime minus(CpuTime earlier) {
            return new CpuTime(userSeconds - earlier.userSeconds, systemSeconds - earlier.systemSeconds);
        }
    }

    /** From /proc/self/stat (clock ticks of 1/100 s); zeros where /proc is not available. */
    public static CpuTime cpuTime() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // fields after the parenthesised command name: state is field 3, utime 14, stime 15
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new CpuTime(Long.parseLong(fields[11]) / 100.0, Long.parseLong(fields[12]) / 100.0);
        } catch (IOException | RuntimeException e) {
            return new CpuTime(0, 0);
        }
    }

    /** The 1-minute load average, or -1 where /proc is not available. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** A field of /proc/self/status given in kB (VmRSS:, RssAnon:, ...), in MB; -1 where unavailable. */
    static long statusFieldMb(String field) {
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
