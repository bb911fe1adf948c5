package org.sdij.ij;

import ij.ImagePlus;
import ij.WindowManager;
import ij.plugin.PlugIn;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.sdij.pipeline.DepthToImage;
import org.sdij.pipeline.GenerationRequest;
import org.sdij.pipeline.Plane;

import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;
import org.sdij.pipeline.DepthEstimator;

/**
 * Plugins > Stable Diffusion > Depth to Image...: the active image (the selection's bounding box, or all
 * of it) transformed under a prompt and a depth map, another open image whose values are depths (larger =
 * nearer, any bit depth, taken as stored). A depth map of the input's size is cropped to the same box;
 * one of another size is resized by the pipeline. Depth "Estimate from the image" (the default) makes the map
 * from each input with a DPT depth estimator: the model folder's depth_estimator/, or the estimator folder.
 * The current slice or every slice (a depth stack with as many slices gives one map per slice, otherwise its
 * current slice serves all). From a macro:
 * {@code run("Depth to Image...", "model=sd2-depth prompt=[a stone statue] depth=depth.tif strength=0.8");}
 */
public class DepthToImageCommand implements PlugIn {

    static final ParameterTable TABLE = CommandTables.DEPTH_TO_IMAGE;
    /** The depth choice that estimates the map from the input image (DPT-Hybrid, as diffusers without a map). */
    static final String ESTIMATE = "Estimate from the image";

    @Override
    public void run(String arg) {
        ImagePlus imp = WindowManager.getCurrentImage();
        if (imp == null) {
            Commands.error(TABLE.command(), "Depth to Image needs an open image and its depth map: open both "
                    + "(File > Open...), select the picture, and run the command again.");
            return;
        }
        ParameterTable.Values values;
        ImageToImageCommand.Source source;
        ImagePlus depth;
        try {
            ImageInput.region(imp, imp.getRoi()); // a selection outside the image fails before the dialog
            values = TABLE.ask();
            if (values == null) return;
            depth = depthImage(values);
            Rectangle region = SliceBatch.fit("Depth to Image", ImageInput.region(imp, imp.getRoi()), imp.getRoi() != null);
            source = ImageToImageCommand.Source.atCurrent(imp, region, values);
        } catch (IllegalArgumentException e) {
            Commands.error(TABLE.command(), e.getMessage());
            return;
        }
        Commands.offEventThread(TABLE.command(), () -> CommandRun.guarded(TABLE.command(), () -> {
            ParameterTable.Values pinned = ImageToImageCommand.pinned(source, values);
            CommandRun.show(generate(source, depth, pinned), TABLE, pinned);
        }));
    }

    /** The open image the values name as the depth map, or null to estimate it; the message says how to give one. */
    static ImagePlus depthImage(ParameterTable.Values v) {
        String depth = v.string("depth");
        if (depth.isBlank() || depth.equalsIgnoreCase(ESTIMATE)) return null;
        try {
            return v.image("depth");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The depth map '" + v.string("depth") + "' is not open: open it "
                    + "(File > Open...) and give its title as depth=[title], or choose depth=[" + ESTIMATE + "].");
        }
    }

    /**
     * The DPT depth estimator folder for an estimated run: the values' estimator, else the model folder's own
     * depth_estimator/; the message names both ways out when there is neither.
     */
    static Path estimatorFolder(ParameterTable.Values v) throws IOException {
        return estimatorFolder(v, "Depth to Image needs a depth map or a depth estimator", "Open a depth map (larger"
                + " = nearer) and give its title as depth=[title], or give");
    }

    /** As {@link #estimatorFolder(ParameterTable.Values)}, the message starting with {@code need}, {@code fix}. */
    static Path estimatorFolder(ParameterTable.Values v, String need, String fix) throws IOException {
        if (!v.string("estimator").isBlank()) return Path.of(v.string("estimator"));
        String location = ModelChoice.resolve(v.string("model"), Settings.current().modelsFolder());
        Path folder = Path.of(location);
        if (!Files.isDirectory(folder) && !Files.isRegularFile(folder)) {
            try (ModelFiles files = ModelLocator.open(location, ModelOptions.DEFAULT)) {
                folder = files.origin();
            }
        }
        if (org.sdij.io.DepthEstimatorFiles.present(folder)) return folder;
        throw new IllegalArgumentException(need + ": " + v.string("model") + " has no depth_estimator/ folder. " + fix
                + " a DPT depth estimator folder (as Intel/dpt-hybrid-midas, or an SD 2 depth folder with"
                + " depth_estimator/ and feature_extractor/) as estimator=[folder].");
    }

    /** The transformed images of every position of the source, as a new image (not shown). */
    static ImagePlus generate(ImageToImageCommand.Source s, ImagePlus depth, ParameterTable.Values v) throws IOException {
        int n = s.positions().size();
        SliceBatch.Result r = SliceBatch.run("Depth to Image", s, v, CommandRun.DEPTH_MODEL,
                Map.of("depth_title", depth == null ? ESTIMATE : depth.getTitle()),
                (model, input, i, progress) -> {
                    GenerationRequest request = new GenerationRequest(v.string("prompt"),
                            v.string("negative_prompt"), v.seed("seed"), v.integer("steps"), v.decimal("guidance"),
                            CommandRun.sampler(v), null, null, v.integer("num_images"), input.image(),
                            v.decimal("strength"), CommandRun.promptSyntax());
                    if (depth != null) return DepthToImage.run(model, request, depthPlane(depth, s, i, n), progress);
                    // here, after the model's kind was checked: a model of the wrong kind says so first
                    DepthEstimator estimator = ModelCache.estimator(estimatorFolder(v),
                            model.manager().getDevice());
                    return DepthToImage.run(model, request, estimator, progress);
                });
        String title = s.imp().getShortTitle() + " depth2img (seed " + Long.toUnsignedString(v.seed("seed")) + ")"
                + r.titleSuffix();
        var options = new ImageOutput.Options(v.string("output").equals("32-bit"),
                SliceBatch.macroLine(s, null, TABLE, v), null, null, 1)
                .from(s.imp().getCalibration(), s.region(), 1);
        return ImageOutput.create(title, r.images(), r.records(), options);
    }

    /**
     * The depth values for position {@code i} of {@code n}: the depth stack's i-th slice when it has n,
     * else its current one; cropped to the source's region when the map has the input's size. RGB: red.
     */
    static Plane depthPlane(ImagePlus depth, ImageToImageCommand.Source s, int i, int n) {
        int index = n > 1 && depth.getStackSize() == n ? i + 1 : depth.getCurrentSlice();
        ImageProcessor ip = depth.getStack().getProcessor(index);
        boolean sameSize = depth.getWidth() == s.imp().getWidth() && depth.getHeight() == s.imp().getHeight();
        Rectangle r = sameSize ? s.region() : new Rectangle(0, 0, depth.getWidth(), depth.getHeight());
        float[] values = new float[r.width * r.height];
        for (int y = 0; y < r.height; y++) {
            for (int x = 0; x < r.width; x++) {
                values[y * r.width + x] = ip instanceof ColorProcessor cp
                        ? (cp.get(r.x + x, r.y + y) >> 16) & 0xff : ip.getf(r.x + x, r.y + y);
            }
        }
        return new Plane(r.width, r.height, values);
    }
}
