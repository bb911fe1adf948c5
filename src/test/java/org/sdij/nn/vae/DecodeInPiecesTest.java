package org.sdij.nn.vae;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.sdij.Reference;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.nn.Ops;
import org.sdij.pipeline.StableDiffusion;

/**
 * The default decode (large convolutions in bands of rows, group norms a few groups at a time) against the
 * decode as it ran before that was the default (every layer whole), on every tiny model's VAE, with pieces
 * small enough that the tiny full-resolution activations are cut as a 512x512 image's are: within 1e-5.
 */
class DecodeInPiecesTest {

    @Test
    void theDecodeInPiecesMatchesTheWholeDecode() throws Exception {
        List<Path> models;
        try (Stream<Path> dirs = Files.list(Reference.resolve("tiny-models"))) {
            models = dirs.filter(d -> Files.isDirectory(d.resolve("vae"))).sorted().toList();
        }
        assertTrue(!models.isEmpty(), "no tiny models with a VAE");
        long pieces = Ops.pieceElements();
        try {
            for (Path folder : models) {
                try (ModelFiles files = ModelLocator.open(folder.toString());
                     StableDiffusion sd = StableDiffusion.load(files, Device.cpu(), DataType.FLOAT32);
                     NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                    int channels = sd.vae().config().latentChannels();
                    NDArray latent = manager.randomNormal(0, 1, new Shape(1, channels, 16, 12), DataType.FLOAT32);
                    Ops.setPieceElements(0);
                    float[] whole = sd.vae().decode(latent).toFloatArray();
                    Ops.setPieceElements(8192); // the full-resolution activations of a tiny VAE are cut in about ten
                    float[] inPieces = sd.vae().decode(latent).toFloatArray();
                    double worst = 0;
                    for (int i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(whole[i] - inPieces[i]));
                    System.out.printf("%s: decode in pieces vs whole, max difference %.2e%n", folder.getFileName(), worst);
                    assertTrue(worst <= 1e-5, folder + ": " + worst);
                }
            }
        } finally {
            Ops.setPieceElements(pieces);
        }
    }
}
