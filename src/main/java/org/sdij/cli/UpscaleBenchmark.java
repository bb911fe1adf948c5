package org.sdij.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sdij.bench.MachineProbe;
import org.sdij.cli.CommandLine.Option;
import org.sdij.cli.CommandLine.UsageException;
import org.sdij.io.ModelKind;
import org.sdij.pipeline.Generation;
import org.sdij.pipeline.GenerationRequest;
import org.sdij.pipeline.RgbImage;
import org.sdij.pipeline.StableDiffusion;
import org.sdij.pipeline.Upscale;

/**
 * {@code bin/sd-ij bench-upscale}: the whole x4 upscale pipeline (tiled UNet, tiled VAE decode) on the REAL
 * x4 architecture with random weights (no download), timed end to end, with the process's peak memory.
 * The picture it makes means nothing; the figures are in docs/benchmarks.md.
 */
final class UpscaleBenchmark {
    private UpscaleBenchmark() {}

    static final List<Option> OPTIONS = List.of(
            Option.value("size", "N", "side of the square low-res input (default 512: a 2048x2048 result)"),
            Option.value("steps", "N", "denoising steps (default 20)"),
            Option.value("tile", "PX", "tile side in low-res pixels (default " + Upscale.DEFAULT_TILE + ")"),
            Option.value("guidance", "X", "guidance scale (default " + Upscale.DEFAULT_GUIDANCE + ")"),
            Option.value("threads", "N", "libtorch intra-op threads (default: all cores)"),
            Option.value("out", "FILE", "also write the (meaningless) result, .png or .tif"));

    static String usage() {
        return CommandLine.usage("bench-upscale", "[--size N] [--steps N] [--tile PX]", OPTIONS);
    }

    static void run(String[] args) throws UsageException, IOException {
        CommandLine cl = CommandLine.parse("bench-upscale", OPTIONS, args, 1);
        int size = cl.integer("size", 512);
        int steps = cl.integer("steps", 20);
        int tile = cl.integer("tile", Upscale.DEFAULT_TILE);
        double guidance = cl.decimal("guidance", Upscale.DEFAULT_GUIDANCE);
        if (size < 1 || steps < 1 || tile < 8) {
            throw new UsageException("--size and --steps must be positive, --tile 8 or more");
        }
        Integer threads = cl.integer("threads", null);
        if (threads != null) System.setProperty("ai.djl.pytorch.num_threads", threads.toString());

        Engine.getEngine("PyTorch");
        double matmul;
        try (NDManager probe = NDManager.newBaseManager()) {
            matmul = MachineProbe.matmulGflops(probe);
        }
        long t0 = System.nanoTime();
        var kind = new ModelKind(ModelKind.Family.SD2, ModelKind.Task.UPSCALE_X4, ModelKind.Prediction.V_PREDICTION);
        try (StableDiffusion sd = StableDiffusion.withRandomWeights("sd_x4_upscaler", kind, Device.cpu(),
                DataType.FLOAT32)) {
            double loadSeconds = seconds(t0);
            var request = new GenerationRequest("a photograph", "", 0, steps, guidance, null, null, null, 1,
                    pattern(size), null);
            ProgressBar bar = new ProgressBar(System.err, "bench-upscale");
            List<Double> stepEnds = new ArrayList<>();
            long start = System.nanoTime();
            Generation result = Upscale.run(sd, request, Upscale.Settings.tiled(tile), (step, total, latents) -> {
                stepEnds.add(seconds(start));
                bar.update(step, total);
                return true;
            });
            double total = seconds(start);
            double denoise = stepEnds.get(stepEnds.size() - 1);
            RgbImage image = result.images().get(0);
            System.out.println(String.format(Locale.ROOT,
                    "bench-upscale input=%dx%d output=%dx%d steps=%d tile=%d tiles=%s total_s=%.1f build_s=%.1f "
                            + "denoise_s=%.1f step_s=%.1f decode_s=%.1f peak_rss_mb=%d matmul_gflops=%.1f threads=%s",
                    size, size, image.width(), image.height(), steps, tile,
                    result.metadata().get(0).asMap().getOrDefault("Tiles", "1").split(" ")[0], total, loadSeconds,
                    denoise, denoise / steps, total - denoise, MachineProbe.peakRssMb(), matmul,
                    threads == null ? "all" : threads));
            if (cl.has("out")) {
                Path out = Path.of(cl.get("out"));
                if (out.toString().endsWith(".png")) ImageFiles.writePng(out, image, Map.of());
                else ImageFiles.writeFloatTiff(out, image, "bench-upscale (random weights)");
            }
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** A smooth, deterministic test picture (gradients and waves), values in [0, 1]. */
    static RgbImage pattern(int size) {
        RgbImage image = RgbImage.blank(size, size);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int i = y * size + x;
                image.planes()[0][i] = (float) x / size;
                image.planes()[1][i] = (float) y / size;
                image.planes()[2][i] = (float) (0.5 + 0.5 * Math.sin(x * 0.1) * Math.cos(y * 0.07));
            }
        }
        return image;
    }
}
