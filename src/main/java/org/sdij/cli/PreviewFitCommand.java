package org.sdij.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.sdij.cli.CommandLine.Option;
import org.sdij.cli.CommandLine.UsageException;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.pipeline.LatentRgbMap;
import org.sdij.pipeline.RgbImage;
import org.sdij.pipeline.StableDiffusion;

/**
 * {@code bin/sd-ij fit-preview --model M}: fits the live preview's linear latent-to-RGB map to a model's own VAE
 * and prints it as an entry of {@code latent-rgb-maps.json}. Pictures (those of {@code --images DIR}, or smooth
 * random colour fields) are encoded to latents (the posterior mean, scaled as the UNet sees it), decoded back,
 * and the map fitted by least squares from each latent pixel to the mean colour of its decoded block.
 */
final class PreviewFitCommand {
    private PreviewFitCommand() {}

    static final List<Option> OPTIONS = List.of(
            Option.value("model", "PATH|REPO", "the model whose VAE the map is fitted to"),
            Option.value("images", "DIR", "fit on these pictures (PNG, JPEG, TIFF; cropped to multiples of 8)"
                    + " instead of random colour fields"),
            Option.value("size", "N", "side of the random colour fields (default 256)"));

    static String usage() {
        return CommandLine.usage("fit-preview", "--model M [--images DIR]", OPTIONS);
    }

    static void run(String[] args) throws UsageException, IOException {
        CommandLine cl = CommandLine.parse("fit-preview", OPTIONS, args, 1);
        String model = cl.require("model");
        List<RgbImage> pictures = cl.has("images") ? pictures(Path.of(cl.get("images")))
                : colourFields(cl.integer("size", 256), 6);
        try (ModelFiles files = ModelLocator.open(model);
             StableDiffusion sd = StableDiffusion.load(files, Device.cpu(), DataType.FLOAT32);
             NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            int factor = sd.vaeScale();
            List<float[]> latents = new ArrayList<>();
            List<float[]> decoded = new ArrayList<>();
            Shape one = null;
            for (RgbImage picture : pictures) {
                int w = picture.width() / factor * factor;
                int h = picture.height() / factor * factor;
                if (one != null && (w != one.get(3) * factor || h != one.get(2) * factor)) {
                    throw new UsageException("The pictures of --images must all have one size (after cropping to "
                            + "multiples of " + factor + ")");
                }
                try (NDManager scope = manager.newSubManager()) {
                    NDArray pixels = scope.create(crop(picture, w, h), new Shape(1, 3, h, w));
                    NDArray mean = sd.vae().encode(pixels).mean();
                    float[] z = mean.toFloatArray();
                    decoded.add(sd.vae().decode(mean).toFloatArray());
                    float scale = (float) sd.vae().scalingFactor();
                    for (int i = 0; i < z.length; i++) z[i] *= scale;
                    latents.add(z);
                    one = mean.getShape();
                }
            }
            if (one == null) throw new UsageException("No pictures to fit on");
            Shape all = new Shape(latents.size(), one.get(1), one.get(2), one.get(3));
            LatentRgbMap map = LatentRgbMap.fit("fitted to the VAE of " + sd.name(), concat(latents), all,
                    concat(decoded), factor);
            System.out.println(map.toJson(sd.vae().config()));
            System.err.printf(Locale.ROOT, "sd-ij: fitted on %d pictures of %dx%d%n", latents.size(),
                    one.get(3) * factor, one.get(2) * factor);
        }
    }

    private static List<RgbImage> pictures(Path dir) throws IOException {
        List<RgbImage> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
                if (name.matches(".*\\.(png|jpe?g|tiff?)")) out.add(ImageFiles.read(f));
            }
        }
        return out;
    }

    /** Smooth random colour fields: a few colour blobs each, so that every colour appears over large areas. */
    private static List<RgbImage> colourFields(int size, int count) {
        Random random = new Random(1);
        List<RgbImage> out = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            RgbImage field = RgbImage.blank(size, size);
            int blobs = 5;
            float[][] centres = new float[blobs][5];
            for (float[] c : centres) for (int k = 0; k < 5; k++) c[k] = random.nextFloat();
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    float[] sum = new float[3];
                    float weights = 0;
                    for (float[] c : centres) {
                        float dx = x / (float) size - c[0];
                        float dy = y / (float) size - c[1];
                        float wgt = (float) Math.exp(-(dx * dx + dy * dy) * 20);
                        weights += wgt;
                        sum[0] += wgt * c[2];
                        sum[1] += wgt * c[3];
                        sum[2] += wgt * c[4];
                    }
                    for (int k = 0; k < 3; k++) field.planes()[k][y * size + x] = sum[k] / weights;
                }
            }
            out.add(field);
        }
        return out;
    }

    /** The top-left w x h of a picture as [3, h, w] in [-1, 1]. */
    private static float[] crop(RgbImage picture, int w, int h) {
        float[] out = new float[3 * w * h];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) out[(c * h + y) * w + x] = picture.get(c, x, y) * 2f - 1f;
            }
        }
        return out;
    }

    private static float[] concat(List<float[]> parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
