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
import java.util.Map;

/**
 * Plugins > Stable Diffusion > Depth to Image...: the active image (the selection's bounding box, or all
 * of it) transformed under a prompt and a depth map, another open image whose values are depths (larger =
 * nearer, any bit depth, taken as stored). A depth map of the input's size is cropped to the same box;
 * one of another size is resized by the pipeline. The current slice or every slice (a depth stack with
 * as many slices gives one map per slice, otherwise its current slice serves all). From a macro:
 * {@code run("Depth to Image...", "model=sd2-depth prompt=[a stone statue] depth=depth.tif strength=0.8");}
 */
public class DepthToImageCommand implements PlugIn {

    static final ParameterTable TABLE = CommandTables.DEPTH_TO_IMAGE;

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
            int[] czt = ImageInput.current(imp);
            source = ImageToImageCommand.Source.at(imp, region, values, czt[1], czt[2]);
        } catch (IllegalArgumentException e) {
            Commands.error(TABLE.command(), e.getMessage());
            return;
        }
        Commands.offEventThread(TABLE.command(), () -> CommandRun.guarded(TABLE.command(), () -> {
            ParameterTable.Values pinned = ImageToImageCommand.pinned(source, values);
            CommandRun.show(generate(source, depth, pinned), TABLE, pinned);
        }));
    }

    /** The open image the values name as the depth map; the message says how to give one. */
    static ImagePlus depthImage(ParameterTable.Values v) {
        if (v.string("depth").isBlank()) {
            throw new IllegalArgumentException("Depth to Image needs a depth map: open it as an image (larger values"
                    + " = nearer) and give its title as depth=[title]; sd-ij does not estimate depth yet.");
        }
        try {
            return v.image("depth");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The depth map '" + v.string("depth") + "' is not open: open it "
                    + "(File > Open...) and give its title as depth=[title].");
        }
    }

    /** The transformed images of every position of the source, as a new image (not shown). */
    static ImagePlus generate(ImageToImageCommand.Source s, ImagePlus depth, ParameterTable.Values v) throws IOException {
        int n = s.positions().size();
        SliceBatch.Result r = SliceBatch.run("Depth to Image", s, v, CommandRun.DEPTH_MODEL,
                Map.of("depth_title", depth.getTitle()),
                (model, input, i, progress) -> DepthToImage.run(model, new GenerationRequest(v.string("prompt"),
                        v.string("negative_prompt"), v.seed("seed"), v.integer("steps"), v.decimal("guidance"),
                        CommandRun.sampler(v), null, null, v.integer("num_images"), input.image(),
                        v.decimal("strength"), CommandRun.promptSyntax()), depthPlane(depth, s, i, n),
                        progress));
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
