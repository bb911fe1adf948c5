package org.sdij.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.sdij.io.DType;
import org.sdij.io.Presets;
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
 * A full-size model of a preset's architecture written with random float32 weights as a diffusers folder
 * (configs, UNet, VAE and text encoder safetensors with exactly the names and shapes the networks ask for),
 * so the benchmarks can time the real loading and generation code on files of real size without a download.
 * The bundled CLIP vocabulary stands in for the tokenizer folder, the preset's scheduler for the scheduler's.
 */
final class RandomModelFolder {
    private RandomModelFolder() {}

    /** The three weight files (UNet, VAE, text encoder, in that order) and what writing them cost. */
    record Written(Path dir, List<Path> weightFiles, long bytes, long tensors, double seconds) {}

    private enum Component {
        UNET("unet", "diffusion_pytorch_model.safetensors"),
        VAE("vae", "diffusion_pytorch_model.safetensors"),
        TEXT_ENCODER("text_encoder", "model.safetensors");

        final String folder;
        final String weightFile;

        Component(String folder, String weightFile) {
            this.folder = folder;
            this.weightFile = weightFile;
        }
    }

    static Written write(Path dir, String preset) throws IOException {
        long t0 = System.nanoTime();
        List<Path> files = new ArrayList<>();
        long bytes = 0;
        long tensors = 0;
        for (Component c : Component.values()) {
            JsonObject config = Presets.config(preset, c.folder);
            Path folder = Files.createDirectories(dir.resolve(c.folder));
            Files.writeString(folder.resolve("config.json"), config.toString());
            List<TensorInfo> infos = requested(c, config);
            Path file = folder.resolve(c.weightFile);
            SafeTensorsWriter.write(file, infos, new RandomFiller());
            files.add(file);
            bytes += Files.size(file);
            tensors += infos.size();
        }
        Path scheduler = Files.createDirectories(dir.resolve("scheduler"));
        Files.writeString(scheduler.resolve("scheduler_config.json"), Presets.config(preset, "scheduler").toString());
        JsonObject pipeline = Presets.config(preset, "pipeline");
        Files.writeString(dir.resolve("model_index.json"), pipeline != null ? pipeline.toString() : "{}");
        return new Written(dir, files, bytes, tensors, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Writes the folder in a child JVM, so that the writer's garbage (heap buffers, the networks built to
     * learn the tensor shapes) never counts in the memory of the process that then loads the model.
     */
    static Written writeInChildProcess(Path dir, String preset) throws IOException {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(javaBin.toString(), "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), RandomModelFolder.class.getName(), dir.toString(), preset)
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (child.waitFor() != 0) throw new IOException("Writing the random model failed:\n" + output);
        } catch (InterruptedException e) {
            child.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while writing the random model", e);
        }
        String[] fields = output.strip().lines().reduce((a, b) -> b).orElse("").split(" ");
        List<Path> files = new ArrayList<>();
        for (Component c : Component.values()) files.add(dir.resolve(c.folder).resolve(c.weightFile));
        return new Written(dir, files, Long.parseLong(fields[0]), Long.parseLong(fields[1]),
                Double.parseDouble(fields[2]));
    }

    /** Child-process entry of {@link #writeInChildProcess}: prints "bytes tensors seconds" last. */
    public static void main(String[] args) throws IOException {
        Written w = write(Path.of(args[0]), args[1]);
        System.out.println(w.bytes() + " " + w.tensors() + " " + w.seconds());
    }

    /** Deletes what {@link #write} made (and the folder itself). */
    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** The names and shapes one network asks for, found by building it once with random weights. */
    private static List<TensorInfo> requested(Component c, JsonObject config) throws WeightFormatException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Weights w = Weights.random(manager, DataType.FLOAT32);
            switch (c) {
                case UNET -> new UNet2DConditionModel(UNetConfig.fromJson(config), w);
                case VAE -> new AutoencoderKL(VaeConfig.fromJson(config), w);
                case TEXT_ENCODER -> ClipTextEncoder.load(ClipTextConfig.fromJson(config.toString()), w);
            }
            List<TensorInfo> infos = new ArrayList<>();
            for (Map.Entry<String, long[]> e : w.requested().entrySet()) {
                infos.add(new TensorInfo(e.getKey(), DType.F32, e.getValue()));
            }
            return infos;
        }
    }

    /** Fills tensors from one block of N(0, 0.02) floats, repeated: the values do not matter for timing. */
    private static final class RandomFiller implements SafeTensorsWriter.Filler {
        private final ByteBuffer block;

        RandomFiller() {
            Random random = new Random(42);
            block = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
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
}
