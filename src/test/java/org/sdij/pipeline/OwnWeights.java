package org.sdij.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.sdij.Reference;
import org.sdij.io.DType;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.SafeTensorsWriter;
import org.sdij.io.TensorInfo;

/**
 * A tiny model of the reference set's architecture with weights of the test's own: the reference folder's
 * configs and tokenizer, and UNet, VAE and text encoder files with the same names and shapes filled as torch
 * initialises a fresh layer (uniform in +-1/sqrt(fan in); norms 1, biases small), from a fixed seed. For tests
 * that measure a property of the numbers (a tiling seam) rather than agreement with diffusers, so that the
 * property does not depend on which random weights a reference set happens to ship.
 */
final class OwnWeights {
    private OwnWeights() {}

    private static final List<String> REWRITTEN = List.of("unet", "vae", "text_encoder");

    /** The tiny model {@code tinyModel} of the reference set with own weights, written under {@code dir}. */
    static StableDiffusion load(String tinyModel, Path dir, long seed) throws IOException {
        Path source = Reference.resolve("tiny-models/" + tinyModel);
        Path target = Files.createDirectories(dir.resolve(tinyModel + "-own-" + seed));
        try (Stream<Path> entries = Files.list(source)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (!REWRITTEN.contains(name)) {
                    Files.createSymbolicLink(target.resolve(name), entry.toAbsolutePath());
                    continue;
                }
                Path folder = Files.createDirectories(target.resolve(name));
                try (Stream<Path> files = Files.list(entry)) {
                    for (Path file : files.toList()) {
                        Path out = folder.resolve(file.getFileName());
                        if (file.toString().endsWith(".safetensors")) rewrite(file, out, seed);
                        else Files.copy(file, out);
                    }
                }
            }
        }
        try (ModelFiles files = ModelLocator.open(target, ModelOptions.DEFAULT)) {
            return StableDiffusion.load(files, Device.cpu(), DataType.FLOAT32);
        }
    }

    private static void rewrite(Path file, Path out, long seed) throws IOException {
        List<TensorInfo> infos = new ArrayList<>();
        try (SafeTensorsFile weights = SafeTensorsFile.open(file)) {
            for (String name : weights.names()) {
                if (weights.info(name).dtype() != DType.F32) {
                    throw new IOException(file + ": " + name + " is not float32; OwnWeights writes float32 only");
                }
                infos.add(weights.info(name));
            }
        }
        Random random = new Random(seed);
        SafeTensorsWriter.write(out, infos, (info, buffer) -> {
            buffer.order(ByteOrder.LITTLE_ENDIAN);
            long[] shape = info.shape();
            boolean vector = shape.length <= 1;
            boolean norm = vector && info.name().matches(".*(norm|ln)[^.]*\\.weight");
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
            double bound = vector ? 0.05 : 1 / Math.sqrt(fanIn);
            while (buffer.hasRemaining()) {
                buffer.putFloat(norm ? 1f : (float) ((random.nextDouble() * 2 - 1) * bound));
            }
        });
    }
}
