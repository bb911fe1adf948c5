package org.sdij.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.sdij.io.DType;
import org.sdij.io.Presets;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.SafeTensorsWriter;
import org.sdij.io.TensorInfo;
import org.sdij.io.WeightFormatException;
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

    private enum Component { UNET, VAE, TEXT }

    static Result measure(String model, String preset) throws IOException {
        Engine.getEngine("PyTorch");
        UNetConfig unetConfig = UNetConfig.fromJson(Presets.config(preset, "unet"));
        VaeConfig vaeConfig = VaeConfig.fromJson(Presets.config(preset, "vae"));
        ClipTextConfig textConfig = ClipTextConfig.fromJson(Presets.config(preset, "text_encoder").toString());
        Path dir = Files.createTempDirectory("sdij-load-bench");
        List<Path> files = new ArrayList<>();
        try {
            long bytes = 0;
            long tensors = 0;
            long t0 = System.nanoTime();
            for (Component c : Component.values()) {
                List<TensorInfo> infos = requested(c, unetConfig, vaeConfig, textConfig);
                Path file = dir.resolve(c.name().toLowerCase(Locale.ROOT) + ".safetensors");
                SafeTensorsWriter.write(file, infos, new RandomFiller());
                files.add(file);
                bytes += Files.size(file);
                tensors += infos.size();
            }
            double write = seconds(t0);

            t0 = System.nanoTime();
            List<SafeTensorsFile> sources = new ArrayList<>();
            for (Path file : files) sources.add(SafeTensorsFile.open(file));
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
                return new Result(model, bytes / 1e9, write, index, map, unetBuild, build, tensors);
            }
        } finally {
            for (Path file : files) Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** The names and shapes one network asks for, found by building it once with random weights. */
    private static List<TensorInfo> requested(Component c, UNetConfig unet, VaeConfig vae, ClipTextConfig text)
            throws WeightFormatException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Weights w = Weights.random(manager, DataType.FLOAT32);
            switch (c) {
                case UNET -> new UNet2DConditionModel(unet, w);
                case VAE -> new AutoencoderKL(vae, w);
                case TEXT -> ClipTextEncoder.load(text, w);
            }
            List<TensorInfo> infos = new ArrayList<>();
            for (Map.Entry<String, long[]> e : w.requested().entrySet()) {
                infos.add(new TensorInfo(e.getKey(), DType.F32, e.getValue()));
            }
            return infos;
        }
    }

    /** Fills tensors from one block of N(0, 0.02) floats, repeated: the values do not matter for loading. */
    private static final class RandomFiller implements SafeTensorsWriter.Filler {
        private final ByteBuffer block;

        RandomFiller() {
            Random random = new Random(42);
            block = ByteBuffer.allocate(1 << 20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (block.hasRemaining()) block.putFloat((float) (random.nextGaussian() * 0.02));
        }

        @Override
        public void fill(TensorInfo info, ByteBuffer out) {
            while (out.hasRemaining()) {
                ByteBuffer chunk = block.duplicate().clear();
                chunk.limit(Math.min(chunk.capacity(), out.remaining()));
                out.put(chunk);
            }
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
