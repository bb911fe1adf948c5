package org.sdij.cli;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sdij.cli.CommandLine.Option;
import org.sdij.cli.CommandLine.UsageException;
import org.sdij.pipeline.DepthEstimator;
import org.sdij.pipeline.Plane;
import org.sdij.pipeline.RgbImage;

/**
 * {@code bin/sd-ij depth}: the depth map depth2img would estimate for an image, as a 32-bit float TIFF (the
 * estimator's relative inverse depth, larger = nearer, at its own resolution, unscaled: depth2img resizes it to the
 * latent size and stretches it to [-1, 1] itself, so giving it back as --depth reproduces the estimated run).
 */
final class DepthCommand {
    private DepthCommand() {}

    static final List<Option> OPTIONS = List.of(
            Option.value("model", "DIR", "an SD 2 depth diffusers folder with depth_estimator/ and feature_extractor/,"
                    + " or a transformers DPT folder (config.json, preprocessor_config.json, weights)"),
            Option.value("image", "FILE", "input picture (PNG, JPEG, TIFF; 16/32-bit and alpha: as RGB 8-bit)"),
            Option.value("out", "FILE", "depth.tif: one 32-bit float page, the estimator named in its description"),
            Option.value("device", "cpu|cuda", "where to run (default: cuda when present, else cpu)"));

    static String usage() {
        return CommandLine.usage("depth", "--model DIR --image in.png --out depth.tif", OPTIONS);
    }

    /** The command as typed, shell-quoted. */
    private static String command(String[] args) {
        StringBuilder s = new StringBuilder("bin/sd-ij");
        for (String a : args) s.append(' ').append(GenerateCommand.shellQuote(a));
        return s.toString();
    }

    static void run(String[] args) throws UsageException, IOException {
        CommandLine cl = CommandLine.parse("depth", OPTIONS, args, 1);
        Path model = Path.of(cl.require("model"));
        Path imagePath = Path.of(cl.require("image"));
        Path out = Path.of(cl.require("out"));
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".tif") && !name.endsWith(".tiff")) {
            throw new UsageException("Bad --out '" + out + "': the depth map is written as a 32-bit TIFF (.tif)");
        }
        if (Files.isDirectory(model) && !org.sdij.io.DepthEstimatorFiles.present(model)) {
            throw new UsageException(model + " has no depth estimator: give an SD 2 depth diffusers folder with"
                    + " depth_estimator/ and feature_extractor/, or a transformers DPT folder (as Intel/dpt-hybrid-midas)");
        }
        RgbImage image = ImageFiles.read(imagePath);
        Device device = GenerateCommand.device(cl.get("device"));
        long t0 = System.nanoTime();
        try (DepthEstimator estimator = DepthEstimator.load(model, device)) {
            Plane depth = estimator.estimate(image);
            String description = "Depth estimated by " + estimator.description() + " from " + imagePath.getFileName()
                    + " (" + image.width() + "x" + image.height() + "): relative inverse depth, larger = nearer, at the"
                    + " estimator's " + depth.size() + ", before depth2img's resize and [-1, 1] scaling"
                    + "\nCommand: " + command(args);
            ImageFiles.writeFloatTiff(out, depth.width(), depth.height(), List.of(depth.values()), description);
            System.err.printf("sd-ij: depth of %s estimated in %.1f s; wrote %s%n", imagePath.getFileName(),
                    (System.nanoTime() - t0) / 1e9, out);
        }
    }
}
