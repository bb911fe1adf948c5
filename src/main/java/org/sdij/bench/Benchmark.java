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
 * (no download) and prints one machine-readable line of timings, FLOPs and memory.
 */
public final class Benchmark {
    private Benchmark() {}

    static final Map<String, String> PRESETS = Map.of(
            "sd15", "sd15", "sd2", "sd2_base_512", "sd2-768v", "sd2_768_v",
            "sd2-inpainting", "sd2_inpainting", "sd2-depth", "sd2_depth", "x4", "sd_x4_upscaler");

    static final List<Option> OPTIONS = List.of(
            Option.value("model", "NAME", "sd15|sd2|sd2-768v|sd2-inpainting|sd2-depth|x4 (default sd15)"),
            Option.value("size", "N", "image side in pixels (default: the model's native size; x4: the output side)"),
            Option.value("steps", "N", "timed UNet steps after one warm-up (default 3)"),
            Option.value("device", "cpu|cuda", "where to run (default cpu)"),
            Option.value("precision", "fp32|fp16", "network precision (default fp32)"),
            Option.value("threads", "N", "libtorch intra-op threads (default: all cores)"));

    public static String usage() {
        return CommandLine.usage("bench", "[--model NAME] [--size N] [--steps N]", OPTIONS);
    }

    /** One measurement; {@link #line} is the machine-readable form. */
    public record Result(String model, int size, double unetStepSeconds, double vaeDecodeSeconds, double textSeconds,
                         long peakRssMb, double matmulGflops, double unetGflop, String device, String precision) {
        public double peakFraction() {
            return unetGflop / unetStepSeconds / matmulGflops;
        }

        public String line() {
            return String.format(Locale.ROOT,
                    "bench model=%s size=%d unet_step_s=%.3f vae_decode_s=%.3f text_s=%.3f peak_rss_mb=%d "
                            + "matmul_gflops=%.1f unet_gflop=%.1f unet_peak_fraction=%.3f device=%s precision=%s",
                    model, size, unetStepSeconds, vaeDecodeSeconds, textSeconds, peakRssMb, matmulGflops, unetGflop,
                    peakFraction(), device, precision);
        }
    }

    public static void run(String[] args) throws UsageException, IOException {
        CommandLine cl = CommandLine.parse("bench", OPTIONS, args, 1);
        String model = cl.get("model", "sd15");
        String preset = PRESETS.get(model);
        if (preset == null) throw new UsageException("Bad --model '" + model + "': use one of " + PRESETS.keySet());
        Integer threads = cl.integer("threads", null);
        if (threads != null) System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
        Device device = "cuda".equals(cl.get("device")) ? Device.gpu() : Device.cpu();
        DataType dtype = "fp16".equals(cl.get("precision")) ? DataType.FLOAT16 : DataType.FLOAT32;
        Result r = measure(model, preset, cl.integer("size", null), cl.integer("steps", 3), device, dtype);
        System.out.println(r.line());
    }

    public static Result measure(String model, String preset, Integer size, int steps, Device device, DataType dtype)
            throws IOException {
        Engine.getEngine("PyTorch");
        UNetConfig unetConfig = UNetConfig.fromJson(Presets.config(preset, "unet"));
        VaeConfig vaeConfig = VaeConfig.fromJson(Presets.config(preset, "vae"));
        JsonObject textJson = Presets.config(preset, "text_encoder");
        int factor = vaeConfig.downscaleFactor();
        int side = size != null ? size : unetConfig.sampleSize() * factor * (preset.equals("sd_x4_upscaler") ? 4 : 1);
        int latentSide = preset.equals("sd_x4_upscaler") ? side / 4 : side / factor;

        try (NDManager weights = NDManager.newBaseManager(device)) {
            double matmul = MachineProbe.matmulGflops(weights);
            ClipTextEncoder text = ClipTextEncoder.load(ClipTextConfig.fromJson(textJson.toString()),
                    Weights.random(weights, dtype));
            UNet2DConditionModel unet = new UNet2DConditionModel(unetConfig, Weights.random(weights, dtype));
            AutoencoderKL vae = new AutoencoderKL(vaeConfig, Weights.random(weights, dtype));

            double textSeconds;
            NDArray context;
            try (NDManager scope = weights.newSubManager()) {
                long[][] ids = new long[2][77];
                long t0 = System.nanoTime();
                context = text.encode(ids, scope);
                context.toFloatArray();
                textSeconds = (System.nanoTime() - t0) / 1e9;
                context.detach();
            }

            Shape sampleShape = new Shape(2, unetConfig.inChannels(), latentSide, latentSide);
            NDArray labels = unetConfig.hasClassEmbedding() ? weights.create(new long[] {20, 20}) : null;
            double total = 0;
            long flops = 0;
            for (int i = 0; i <= steps; i++) {
                try (NDManager scope = weights.newSubManager()) {
                    NDArray sample = scope.randomNormal(sampleShape, dtype);
                    long f0 = Ops.FLOPS.sum();
                    long t0 = System.nanoTime();
                    unet.forward(sample, 500.0, context, labels).toType(DataType.FLOAT32, false).toFloatArray();
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    if (i > 0) total += seconds; // the first step warms up allocators and kernels
                    flops = Ops.FLOPS.sum() - f0;
                }
            }
            double vaeSeconds;
            try (NDManager scope = weights.newSubManager()) {
                NDArray latent = scope.randomNormal(new Shape(1, vaeConfig.latentChannels(), latentSide, latentSide), dtype);
                long t0 = System.nanoTime();
                vae.decode(latent).toType(DataType.FLOAT32, false).toFloatArray();
                vaeSeconds = (System.nanoTime() - t0) / 1e9;
            }
            context.close();
            return new Result(model, side, total / steps, vaeSeconds, textSeconds, MachineProbe.peakRssMb(), matmul,
                    flops / 1e9, device.isGpu() ? "cuda" : "cpu", dtype == DataType.FLOAT16 ? "fp16" : "fp32");
        }
    }
}
