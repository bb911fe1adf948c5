package org.sdij.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sdij.io.Presets;
import org.sdij.io.SafeTensorsFile;
import org.sdij.nn.Weights;
import org.sdij.nn.unet.UNet2DConditionModel;
import org.sdij.nn.unet.UNetConfig;
import org.sdij.nn.vae.AutoencoderKL;
import org.sdij.nn.vae.VaeConfig;
import org.sdij.text.ClipTextConfig;
import org.sdij.text.ClipTextEncoder;

/**
 * {@code bin/sd-ij bench --load}: writes a full-size random model as diffusers-named float32 safetensors
 * files (UNet, VAE, text encoder, with exactly the names and shapes the networks ask for) to a temporary
 * folder, then times indexing them, mapping every tensor, and building the three networks strictly from
 * them. The files are deleted afterwards. Page cache is warm (the files were just written).
 */
final class LoadBenchmark {
    private LoadBenchmark() {}

    record Result(String model, double fileGb, double writeSeconds, double indexSeconds, double mapSeconds,
                  double unetBuildSeconds, double buildSeconds, long tensors) {
        String line() {
            return String.format(Locale.ROOT,
                    "bench load model=%s tensors=%d file_gb=%.3f write_s=%.3f index_s=%.4f map_s=%.3f "
                            + "unet_build_s=%.3f build_s=%.3f",
                    model, tensors, fileGb, writeSeconds, indexSeconds, mapSeconds, unetBuildSeconds, buildSeconds);
        }
    }

    static Result measure(String model, String preset) throws IOException {
        Engine.getEngine("PyTorch");
        UNetConfig unetConfig = UNetConfig.fromJson(Presets.config(preset, "unet"));
        VaeConfig vaeConfig = VaeConfig.fromJson(Presets.config(preset, "vae"));
        ClipTextConfig textConfig = ClipTextConfig.fromJson(Presets.config(preset, "text_encoder").toString());
        Path dir = Files.createTempDirectory("sdij-load-bench");
        try {
            RandomModelFolder.Written written = RandomModelFolder.write(dir, preset);
            long t0 = System.nanoTime();
            List<SafeTensorsFile> sources = new ArrayList<>();
            for (Path file : written.weightFiles()) sources.add(SafeTensorsFile.open(file));
            double index = seconds(t0);
            try (NDManager manager = NDManager.newBaseManager()) {
                t0 = System.nanoTime();
                for (SafeTensorsFile source : sources) {
                    for (String name : source.names()) source.load(name, manager).close();
                }
                double map = seconds(t0);

                t0 = System.nanoTime();
                try (NDManager unetManager = manager.newSubManager()) {
                    Weights w = Weights.of(sources.get(0), unetManager);
                    new UNet2DConditionModel(unetConfig, w);
                    w.finish();
                }
                double unetBuild = seconds(t0);
                t0 = System.nanoTime();
                try (NDManager all = manager.newSubManager()) {
                    Weights unetWeights = Weights.of(sources.get(0), all);
                    new UNet2DConditionModel(unetConfig, unetWeights);
                    unetWeights.finish();
                    Weights vaeWeights = Weights.of(sources.get(1), all);
                    new AutoencoderKL(vaeConfig, vaeWeights);
                    vaeWeights.finish();
                    ClipTextEncoder.load(textConfig, Weights.of(sources.get(2), all));
                }
                double build = seconds(t0);
                for (SafeTensorsFile source : sources) source.close();
                return new Result(model, written.bytes() / 1e9, written.seconds(), index, map, unetBuild, build,
                        written.tensors());
            }
        } finally {
            RandomModelFolder.delete(dir);
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
