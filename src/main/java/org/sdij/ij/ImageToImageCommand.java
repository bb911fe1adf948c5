package org.sdij.ij;

import ij.ImagePlus;
import ij.WindowManager;
import ij.plugin.PlugIn;
import org.sdij.pipeline.GenerationRequest;
import org.sdij.pipeline.ImageToImage;

import java.awt.Rectangle;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Plugins > Stable Diffusion > Image to Image...: the active image (the selection's bounding box, or all
 * of it) transformed under a prompt, as a new stack; the current slice, or every slice of a stack with
 * one model load. The input is only read. From a macro:
 * {@code run("Image to Image...", "model=sd-v1-5 prompt=[an oil painting] strength=0.6 slices=all");}
 */
public class ImageToImageCommand implements PlugIn {

    static final ParameterTable TABLE = CommandTables.IMAGE_TO_IMAGE;

    /**
     * The part of an image one run reads: a region whose sides are multiples of 8, the channels that
     * become R, G, B (none for RGB) and the (slice, frame) positions, 1-based, in the order of the output.
     */
    record Source(ImagePlus imp, Rectangle region, int[] channels, List<int[]> positions) {

        /** The image as the command finds it: its selection (or all of it) at its current or every position. */
        static Source of(ImagePlus imp, ParameterTable.Values v) {
            return atCurrent(imp, fit(ImageInput.region(imp, imp.getRoi()), imp.getRoi() != null), v);
        }

        /** A given region, at the image's current position or, when the values say slices=all, at every position. */
        static Source atCurrent(ImagePlus imp, Rectangle region, ParameterTable.Values v) {
            int[] czt = ImageInput.current(imp);
            return at(imp, region, v, czt[1], czt[2]);
        }

        /** A given region, at the given position or, when the values say slices=all, at every position. */
        static Source at(ImagePlus imp, Rectangle region, ParameterTable.Values v, int z, int t) {
            int[] channels = ImageInput.channels(imp, v.string("channels"));
            List<int[]> positions = new ArrayList<>();
            if (v.string("slices").equals("all")) {
                for (int frame = 1; frame <= imp.getNFrames(); frame++) {
                    for (int slice = 1; slice <= imp.getNSlices(); slice++) positions.add(new int[] {slice, frame});
                }
            } else {
                positions.add(new int[] {z, t});
            }
            return new Source(imp, region, channels, positions);
        }
    }

    @Override
    public void run(String arg) {
        ImagePlus imp = WindowManager.getCurrentImage();
        if (imp == null) {
            Commands.error(TABLE.command(), "Image to Image needs an open image: open the picture to transform "
                    + "(File > Open...), select a part of it if you like, and run the command again.");
            return;
        }
        ParameterTable.Values values;
        Source source;
        try {
            ImageInput.region(imp, imp.getRoi()); // a selection outside the image fails before the dialog
            values = TABLE.ask();
            if (values == null) return;
            source = Source.of(imp, values);
        } catch (IllegalArgumentException e) {
            Commands.error(TABLE.command(), e.getMessage());
            return;
        }
        Commands.offEventThread(TABLE.command(), () -> CommandRun.guarded(TABLE.command(), () -> {
            ParameterTable.Values pinned = pinned(source, values);
            CommandRun.show(generate(source, pinned), TABLE, pinned);
        }));
    }

    /** The values with the channels written out, so the macro line does not depend on what is displayed. */
    static ParameterTable.Values pinned(Source s, ParameterTable.Values v) {
        String channels = java.util.Arrays.stream(s.channels()).mapToObj(Integer::toString).collect(Collectors.joining(","));
        return v.with("channels", channels);
    }

    /** The largest region with sides a multiple of 8 (the VAE's factor) at the same corner. */
    static Rectangle fit(Rectangle r, boolean selection) {
        return SliceBatch.fit("Image to Image", r, selection);
    }

    /** The transformed images of every position of the source, as a new image (not shown). */
    static ImagePlus generate(Source s, ParameterTable.Values v) throws IOException {
        SliceBatch.Result r = SliceBatch.run("Image to Image", s, v, CommandRun.PLAIN_MODEL, Map.of(),
                (model, input, i, progress) -> ImageToImage.run(model, new GenerationRequest(v.string("prompt"),
                        v.string("negative_prompt"), v.seed("seed"), v.integer("steps"), v.decimal("guidance"),
                        CommandRun.sampler(v), null, null, v.integer("num_images"), input.image(),
                        v.decimal("strength"), CommandRun.promptSyntax()), progress));
        String title = s.imp().getShortTitle() + " img2img (seed " + Long.toUnsignedString(v.seed("seed")) + ")"
                + r.titleSuffix();
        var options = new ImageOutput.Options(v.string("output").equals("32-bit"), macroLine(s, v), null, null, 1)
                .from(s.imp().getCalibration(), s.region(), 1);
        return ImageOutput.create(title, r.images(), r.records(), options);
    }

    /** A macro that reproduces the result: selects the input, its position and region, then runs the command. */
    static String macroLine(Source s, ParameterTable.Values v) {
        return SliceBatch.macroLine(s, null, TABLE, v);
    }
}
