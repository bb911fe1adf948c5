package org.sdij.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;
import org.sdij.bench.Benchmark.Span;
import org.sdij.bench.Benchmark.Stopwatch;
import org.sdij.nn.Ops;
import org.sdij.pipeline.DepthEstimator;

/**
 * {@code bin/sd-ij bench --model dpt}: the real MiDaS DPT-Hybrid (SD 2 depth's estimator, 384x384 input) with
 * random weights: one warm-up pass, then the mean of the timed passes, and the process's peak memory.
 */
final class DepthBenchmark {
    private DepthBenchmark() {}

    record Result(int size, Span pass, double gflop, long parameters, long weightsRssMb, long peakRssMb,
                  double loadBefore, double loadAfter, String device) {
        String line() {
            return String.format(Locale.ROOT,
                    "bench model=dpt size=%d depth_s=%.3f user_s=%.2f sys_s=%.2f gflop=%.1f parameters=%d"
                            + " weights_rss_mb=%d peak_rss_mb=%d device=%s precision=fp32 load_avg=%.2f/%.2f",
                    size, pass.wallSeconds(), pass.cpu().userSeconds(), pass.cpu().systemSeconds(), gflop, parameters,
                    weightsRssMb, peakRssMb, device, loadBefore, loadAfter);
        }
    }

    static Result measure(int passes, Device device) {
        Engine.getEngine("PyTorch");
        double loadBefore = MachineProbe.loadAverage();
        try (DepthEstimator estimator = DepthEstimator.withRandomWeights(device)) {
            long weightsRss = MachineProbe.currentRssMb();
            int size = estimator.network().config().imageSize();
            Span total = Span.ZERO;
            long flops = 0;
            try (NDManager scope = NDManager.newBaseManager(device)) {
                for (int i = 0; i <= passes; i++) {
                    NDArray pixels = scope.randomUniform(-1f, 1f, new Shape(1, 3, size, size), DataType.FLOAT32);
                    long f0 = Ops.FLOPS.sum();
                    Stopwatch watch = new Stopwatch();
                    try (NDArray depth = estimator.network().predict(pixels)) {
                        depth.toFloatArray();
                    }
                    Span pass = watch.stop();
                    if (i > 0) total = total.plus(pass); // the first pass warms up allocators and kernels
                    flops = Ops.FLOPS.sum() - f0;
                    pixels.close();
                }
            }
            return new Result(size, total.per(Math.max(1, passes)), flops / 1e9, estimator.parameterCount(),
                    weightsRss, MachineProbe.peakRssMb(), loadBefore, MachineProbe.loadAverage(),
                    device.isGpu() ? "cuda" : "cpu");
        }
    }
}
