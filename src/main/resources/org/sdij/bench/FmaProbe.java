import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's fp32 fused multiply-add peak, run by sd-ij's benchmark as a single-file program in a child JVM
 * ({@code java --add-modules jdk.incubator.vector FmaProbe.java SECONDS}): the Vector API is an incubator module,
 * which the plug-in itself (built for --release 17) cannot use. Twelve independent chains of vector FMAs kept in
 * registers (enough to cover the FMA latency of two pipes), no memory traffic: the core's arithmetic limit, on
 * one thread and on one thread per core at once. Prints "lanes per_core_gflops all_cores_gflops threads".
 */
public class FmaProbe {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int CHAINS = 12;
    static volatile float sink;

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < 20; i++) sink += chains(200_000); // let C2 compile the loop with the intrinsics
        long iterations = calibrate(seconds / 4);
        double perCore = 0;
        double allCores = 0;
        for (int trial = 0; trial < 3; trial++) {
            perCore = Math.max(perCore, rate(1, iterations));
            allCores = Math.max(allCores, rate(threads, iterations));
        }
        System.out.println(SPECIES.length() + " " + perCore + " " + allCores + " " + threads);
    }

    /** Iterations that take about {@code seconds} on one thread. */
    static long calibrate(double seconds) {
        long n = 1_000_000;
        while (true) {
            long t0 = System.nanoTime();
            sink += chains(n);
            double took = (System.nanoTime() - t0) / 1e9;
            if (took > seconds / 4) return (long) (n * seconds / took);
            n *= 4;
        }
    }

    /** GFLOP/s of {@code threads} threads each running {@code iterations} (FMA = 2 flops per lane). */
    static double rate(int threads, long iterations) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Float>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) work.add(() -> chains(iterations));
            long t0 = System.nanoTime();
            for (Future<Float> f : pool.invokeAll(work)) sink += f.get();
            double took = (System.nanoTime() - t0) / 1e9;
            return 2.0 * CHAINS * SPECIES.length() * iterations * threads / took / 1e9;
        } finally {
            pool.shutdown();
        }
    }

    static float chains(long iterations) {
        FloatVector m = FloatVector.broadcast(SPECIES, 0.999999f);
        FloatVector c = FloatVector.broadcast(SPECIES, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(SPECIES, 0.1f), a1 = FloatVector.broadcast(SPECIES, 0.2f);
        FloatVector a2 = FloatVector.broadcast(SPECIES, 0.3f), a3 = FloatVector.broadcast(SPECIES, 0.4f);
        FloatVector a4 = FloatVector.broadcast(SPECIES, 0.5f), a5 = FloatVector.broadcast(SPECIES, 0.6f);
        FloatVector a6 = FloatVector.broadcast(SPECIES, 0.7f), a7 = FloatVector.broadcast(SPECIES, 0.8f);
        FloatVector a8 = FloatVector.broadcast(SPECIES, 0.9f), a9 = FloatVector.broadcast(SPECIES, 1.0f);
        FloatVector a10 = FloatVector.broadcast(SPECIES, 1.1f), a11 = FloatVector.broadcast(SPECIES, 1.2f);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
