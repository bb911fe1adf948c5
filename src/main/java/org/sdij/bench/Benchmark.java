package org.sdij.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sdij.bench.MachineProbe.CpuTime;
import org.sdij.cli.CommandLine;
import org.sdij.cli.CommandLine.Option;
import org.sdij.cli.CommandLine.UsageException;
import org.sdij.io.Presets;
import org.sdij.nn.Ops;
import org.sdij.nn.Weights;
import org.sdij.nn.unet.UNet2DConditionModel;
import org.sdij.nn.unet.UNetConfig;
import org.sdij.nn.vae.AutoencoderKL;
import org.sdij.nn.vae.VaeConfig;
import org.sdij.text.ClipTextConfig;
import org.sdij.text.ClipTextEncoder;

/**
 * {@code bin/sd-ij bench}: builds a REAL architecture from its preset config with random weights
 * (no download) and prints one machine-readable line of timings, FLOPs and memory. With {@code --load}
 * it instead times reading a full-size random model from safetensors files ({@link LoadBenchmark}).
 */
public final class Benchmark {
    private Benchmark() {}

    static final Map<String, String> PRESETS = Map.of(
            "sd15", "sd15", "sd2", "sd2_base_512", "sd2-768v", "sd2_768_v",
            "sd2-inpainting", "sd2_inpainting", "sd2-depth", "sd2_depth", "x4", "sd_x4_upscaler");

    static final List<Option> OPTIONS = List.of(
            Option.value("model", "NAME", "sd15|sd2|sd2-768v|sd2-inpainting|sd2-depth|x4 (default sd15), or dpt"
                    + " (the SD 2 depth estimator, DPT-Hybrid at 384x384)"),
            Option.value("size", "N", "image side in pixels (default: the model's native size; x4: the output side)"),
            Option.value("steps", "N", "timed UNet steps after one warm-up (default 3)"),
            Option.value("device", "cpu|cuda", "where to run (default cpu)"),
            Option.value("precision", "fp32|fp16", "network precision (default fp32)"),
            Option.value("threads", "N", "libtorch intra-op threads (default: all cores)"),
            Option.flag("load", "time indexing, mapping and strictly building the model from full-size files"),
            Option.flag("image", "time one whole txt2img image (--steps steps) from full-size files, and its peak memory"),
            Option.flag("decode", "time the VAE decode (default size 512) in pieces against whole, --steps rounds"),
            Option.flag("low-memory", "keep the weights in memory as fp16 and compute in fp32 (txt2img --low-memory)"));

    public static String usage() {
        return CommandLine.usage("bench", "[--model NAME] [--size N] [--steps N] [--load | --image | --decode] [--low-memory]",
                OPTIONS);
    }

    /** Wall and CPU seconds of one timed phase (CPU time is process-wide: all threads, user and kernel). */
    record Span(double wallSeconds, CpuTime cpu) {
        Span per(int count) {
            return new Span(wallSeconds / count, new CpuTime(cpu.userSeconds() / count, cpu.systemSeconds() / count));
        }

        Span plus(Span other) {
            return new Span(wallSeconds + other.wallSeconds, new CpuTime(cpu.userSeconds() + other.cpu.userSeconds(),
                    cpu.systemSeconds() + other.cpu.systemSeconds()));
        }

        static final Span ZERO = new Span(0, new CpuTime(0, 0));
    }

    /** Starts timing; {@link #stop} gives the span since. */
    static final class Stopwatch {
        private final long nanos = System.nanoTime();
        private final CpuTime cpu = MachineProbe.cpuTime();

        Span stop() {
            return new Span((System.nanoTime() - nanos) / 1e9, MachineProbe.cpuTime().minus(cpu));
        }
    }

    /**
     * One measurement; {@link #line} is the machine-readable form. The UNet step is the mean of the timed
     * steps after a warm-up; the text encoder is timed on its second call; the VAE decode on its first.
     * System (kernel) CPU time is mostly page faults on freshly allocated memory.
     */
    public record Result(String model, int size, Span unetStep, Span vaeDecode, Span text, long peakRssMb,
                         long weightsRssMb, double matmulGflops, double unetGflop, double vaeGflop,
                         double loadBefore, double loadAfter, String device, String precision, String weights,
                         MachineProbe.FmaPeak fma) {
        public double peakFraction() {
            return unetGflop / unetStep.wallSeconds() / matmulGflops;
        }

        public String line() {
            return String.format(Locale.ROOT,
                    "bench model=%s size=%d unet_step_s=%.3f vae_decode_s=%.3f text_s=%.3f peak_rss_mb=%d "
                            + "matmul_gflops=%.1f unet_gflop=%.1f unet_peak_fraction=%.3f device=%s precision=%s "
                            + "unet_user_s=%.2f unet_sys_s=%.2f vae_user_s=%.2f vae_sys_s=%.2f vae_gflop=%.1f "
                            + "weights=%s weights_rss_mb=%d load_avg=%.2f/%.2f fma_gflops=%.1f fma_gflops_per_core=%.1f "
                            + "matmul_fma_fraction=%.3f unet_fma_fraction=%.3f vae_fma_fraction=%.3f",
                    model, size, unetStep.wallSeconds(), vaeDecode.wallSeconds(), text.wallSeconds(), peakRssMb,
                    matmulGflops, unetGflop, peakFraction(), device, precision, unetStep.cpu().userSeconds(),
                    unetStep.cpu().systemSeconds(), vaeDecode.cpu().userSeconds(), vaeDecode.cpu().systemSeconds(),
                    vaeGflop, weights, weightsRssMb, loadBefore, loadAfter, fma.allCoresGflops(), fma.perCoreGflops(),
                    fma.fraction(matmulGflops), fma.fraction(unetGflop / unetStep.wallSeconds()),
                    fma.fraction(vaeGflop / vaeDecode.wallSeconds()));
        }
    }

    public static void run(String[] args) throws UsageException, IOException {
        CommandLine cl = CommandLine.parse("bench", OPTIONS, args, 1);
        String model = cl.get("model", "sd15");
        if (model.equals("dpt")) {
            Integer dptThreads = cl.integer("threads", null);
            if (dptThreads != null) System.setProperty("ai.djl.pytorch.num_threads", dptThreads.toString());
            System.out.println(DepthBenchmark.measure(cl.integer("steps", 3),
                    "cuda".equals(cl.get("device")) ? Device.gpu() : Device.cpu()).line());
            return;
        }
        String preset = PRESETS.get(model);
        if (preset == null) throw new UsageException("Bad --model '" + model + "': use one of " + PRESETS.keySet());
        Integer threads = cl.integer("threads", null);
        if (threads != null) System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
        if (cl.has("load")) {
            System.out.println(LoadBenchmark.measure(model, preset).line());
            return;
        }
        Device device = "cuda".equals(cl.get("device")) ? Device.gpu() : Device.cpu();
        DataType dtype = "fp16".equals(cl.get("precision")) ? DataType.FLOAT16 : DataType.FLOAT32;
        DataType storage = cl.has("low-memory") ? DataType.FLOAT16 : dtype;
        if (cl.has("decode")) {
            DecodeBenchmark.run(model, preset, cl.integer("size", null), cl.integer("steps", 3), device, dtype, storage);
            return;
        }
        if (cl.has("image")) {
            int steps = cl.integer("steps", 3);
            if (steps < 2) throw new UsageException("Bad --steps " + steps + ": bench --image needs 2 or more");
            if (!List.of("sd15", "sd2", "sd2-768v").contains(model)) {
                throw new UsageException("bench --image makes a txt2img image: use --model sd15, sd2 or sd2-768v");
            }
            System.out.println(ImageBenchmark.measure(model, preset, cl.integer("size", null), steps, device, dtype,
                    storage).line());
            return;
        }
        Result r = measure(model, preset, cl.integer("size", null), cl.integer("steps", 3), device, dtype, storage);
        System.out.println(r.line());
    }

    /** @param storage the type the weights are kept in ({@code dtype}, or float16 in low-memory mode) */
    public static Result measure(String model, String preset, Integer size, int steps, Device device, DataType dtype,
                                 DataType storage) throws IOException {
        MachineProbe.FmaPeak fma = MachineProbe.fmaPeak(1.0); // first: a child JVM, before the weights take memory
        Engine.getEngine("PyTorch");
        double loadBefore = MachineProbe.loadAverage();
        UNetConfig unetConfig = UNetConfig.fromJson(Presets.config(preset, "unet"));
        VaeConfig vaeConfig = VaeConfig.fromJson(Presets.config(preset, "vae"));
        JsonObject textJson = Presets.config(preset, "text_encoder");
        int factor = vaeConfig.downscaleFactor();
        int side = size != null ? size : unetConfig.sampleSize() * factor * (preset.equals("sd_x4_upscaler") ? 4 : 1);
        int latentSide = preset.equals("sd_x4_upscaler") ? side / 4 : side / factor;

        try (NDManager weights = NDManager.newBaseManager(device)) {
            double matmul = MachineProbe.matmulGflops(weights);
            ClipTextEncoder text = ClipTextEncoder.load(ClipTextConfig.fromJson(textJson.toString()),
                    Weights.random(weights, dtype, storage));
            UNet2DConditionModel unet = new UNet2DConditionModel(unetConfig, Weights.random(weights, dtype, storage));
            AutoencoderKL vae = new AutoencoderKL(vaeConfig, Weights.random(weights, dtype, storage));
            long weightsRss = MachineProbe.currentRssMb();

            Span textSpan = Span.ZERO;
            NDArray context = null;
            for (int i = 0; i < 2; i++) { // the first call warms up kernels the UNet would warm up anyway
                try (NDManager scope = weights.newSubManager()) {
                    Stopwatch watch = new Stopwatch();
                    NDArray hidden = text.encode(new long[2][77], scope);
                    hidden.toFloatArray();
                    textSpan = watch.stop();
                    if (context != null) context.close();
                    context = hidden;
                    context.detach();
                }
            }

            Shape sampleShape = new Shape(2, unetConfig.inChannels(), latentSide, latentSide);
            NDArray labels = unetConfig.hasClassEmbedding() ? weights.create(new long[] {20, 20}) : null;
            Span unetTotal = Span.ZERO;
            long unetFlops = 0;
            for (int i = 0; i <= steps; i++) {
                try (NDManager scope = weights.newSubManager()) {
                    NDArray sample = scope.randomNormal(sampleShape, dtype);
                    long f0 = Ops.FLOPS.sum();
                    Stopwatch watch = new Stopwatch();
                    unet.forward(sample, 500.0, context, labels).toType(DataType.FLOAT32, false).toFloatArray();
                    Span step = watch.stop();
                    if (i > 0) unetTotal = unetTotal.plus(step); // the first step warms up allocators and kernels
                    unetFlops = Ops.FLOPS.sum() - f0;
                }
            }
            Span vaeSpan;
            long vaeFlops;
            try (NDManager scope = weights.newSubManager()) {
                NDArray latent = scope.randomNormal(new Shape(1, vaeConfig.latentChannels(), latentSide, latentSide), dtype);
                long f0 = Ops.FLOPS.sum();
                Stopwatch watch = new Stopwatch();
                vae.decode(latent).toType(DataType.FLOAT32, false).toFloatArray();
                vaeSpan = watch.stop();
                vaeFlops = Ops.FLOPS.sum() - f0;
            }
            context.close();
            return new Result(model, side, unetTotal.per(Math.max(1, steps)), vaeSpan, textSpan,
                    MachineProbe.peakRssMb(), weightsRss, matmul, unetFlops / 1e9, vaeFlops / 1e9, loadBefore,
                    MachineProbe.loadAverage(), device.isGpu() ? "cuda" : "cpu",
                    name(dtype), name(storage), fma);
        }
    }

    static String name(DataType dtype) {
        return dtype == DataType.FLOAT16 ? "fp16" : "fp32";
    }
}
