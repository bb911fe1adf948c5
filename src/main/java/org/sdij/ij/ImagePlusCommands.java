package org.sdij.ij;

import ij.ImagePlus;
import ij.gui.Roi;

import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The generating commands, Estimate Depth and Download Model as plain calls on images and values, for callers
 * that hold both (the SciJava commands, scripts): what each menu command runs once its dialog is read, without
 * the dialog, a window or an error dialog. The region, channels and positions are found as the menu command finds them (the input's
 * selection, its current position, {@code slices=all}), the same {@code generate} makes the image, and the
 * result carries the same {@code sdij.*} properties and recorded macro line; it is returned, not shown.
 *
 * <p>{@code values} are by macro key, as the command's parameter table names them; a key left out takes the
 * table's default. A bad value, a missing input or a model of the wrong kind is an
 * {@link IllegalArgumentException} with the message the menu command shows; a cancel (Esc, an interrupt of
 * the thread, an {@link ImageJProgress.Observer} that says stop) is a
 * {@link org.sdij.pipeline.CancelledException}, and nothing is made.
 */
public final class ImagePlusCommands {

    private ImagePlusCommands() {
    }

    /** Text to Image...: a new RGB stack (or 32-bit composite), one slice per image. */
    public static ImagePlus textToImage(Map<String, ?> values) throws IOException {
        ParameterTable.Values v = values(TextToImageCommand.TABLE, values);
        ImagePlus out = TextToImageCommand.generate(v);
        CommandRun.mark(out, TextToImageCommand.TABLE, v);
        return out;
    }

    /** Image to Image...: the input's selection box (or all of it), trimmed to multiples of 8, transformed. */
    public static ImagePlus imageToImage(ImagePlus input, Map<String, ?> values) throws IOException {
        ParameterTable.Values v = values(ImageToImageCommand.TABLE, values);
        ImageToImageCommand.Source s = ImageToImageCommand.Source.of(input(input, "Image to Image"), v);
        ParameterTable.Values pinned = ImageToImageCommand.pinned(s, v);
        ImagePlus out = ImageToImageCommand.generate(s, pinned);
        CommandRun.mark(out, ImageToImageCommand.TABLE, pinned);
        return out;
    }

    /** Inpaint Selection...: the input's selection repainted, as an image of the input's size. */
    public static ImagePlus inpaint(ImagePlus input, Map<String, ?> values) throws IOException {
        ParameterTable.Values v = values(InpaintCommand.TABLE, values);
        ImagePlus imp = input(input, "Inpaint Selection");
        Roi roi = imp.getRoi();
        if (roi == null) {
            throw new IllegalArgumentException("Inpaint Selection repaints the input's selection, and '"
                    + imp.getTitle() + "' has none: give the image a selection (imp.setRoi(...)) and run it again.");
        }
        ImageInput.region(imp, roi); // an area selection inside the image
        ImageToImageCommand.Source s = ImageToImageCommand.Source.atCurrent(imp, InpaintCommand.region(imp, v), v);
        ParameterTable.Values pinned = ImageToImageCommand.pinned(s, v);
        ImagePlus out = InpaintCommand.generate(s, (Roi) roi.clone(), pinned);
        CommandRun.mark(out, InpaintCommand.TABLE, pinned);
        return out;
    }

    /**
     * Depth to Image...: the input's selection box (or all of it) transformed under the depth map, which
     * need not be open in a window; its title is what the values and the recorded macro line say as {@code depth}.
     */
    public static ImagePlus depthToImage(ImagePlus input, ImagePlus depth, Map<String, ?> values) throws IOException {
        ImagePlus imp = input(input, "Depth to Image");
        // no depth map: estimated from the input (the model's depth_estimator/ or the estimator folder)
        ParameterTable.Values v = values(DepthToImageCommand.TABLE, values).with("depth",
                depth == null ? DepthToImageCommand.ESTIMATE : depth.getTitle());
        Rectangle region = SliceBatch.fit("Depth to Image", ImageInput.region(imp, imp.getRoi()), imp.getRoi() != null);
        ImageToImageCommand.Source s = ImageToImageCommand.Source.atCurrent(imp, region, v);
        ParameterTable.Values pinned = ImageToImageCommand.pinned(s, v);
        ImagePlus out = DepthToImageCommand.generate(s, depth, pinned);
        CommandRun.mark(out, DepthToImageCommand.TABLE, pinned);
        return out;
    }

    /** Upscale 4x...: the input's selection box (or all of it) at four times its size. */
    public static ImagePlus upscale(ImagePlus input, Map<String, ?> values) throws IOException {
        ParameterTable.Values v = values(UpscaleCommand.TABLE, values);
        ImagePlus imp = input(input, "Upscale 4x");
        ImageToImageCommand.Source s = ImageToImageCommand.Source.atCurrent(imp, ImageInput.region(imp, imp.getRoi()),
                v);
        ParameterTable.Values pinned = ImageToImageCommand.pinned(s, v);
        ImagePlus out = UpscaleCommand.generate(s, pinned);
        CommandRun.mark(out, UpscaleCommand.TABLE, pinned);
        return out;
    }

    /**
     * Estimate Depth...: the depth map of the input's selection box (or all of it), one per position
     * ({@code slices=all}), as a new 32-bit image.
     */
    public static ImagePlus estimateDepth(ImagePlus input, Map<String, ?> values) throws IOException {
        ParameterTable.Values v = values(EstimateDepthCommand.TABLE, values);
        ImagePlus imp = input(input, "Estimate Depth");
        ImageToImageCommand.Source s = ImageToImageCommand.Source.atCurrent(imp, ImageInput.region(imp, imp.getRoi()),
                v);
        ImagePlus out = EstimateDepthCommand.estimate(s, v);
        CommandRun.mark(out, EstimateDepthCommand.TABLE, v);
        return out;
    }

    /**
     * Download Model...: the model the values name in the Hugging Face cache, fetched where it is not yet there;
     * returns its snapshot folder (or the one file of {@code file}), which the commands take as {@code model}. The
     * token is HF_TOKEN's or HF_HOME/token's, as for a macro. A download that cannot go on is a
     * {@link org.sdij.hub.HubException} with the menu command's message; a cancelled one is of kind CANCELLED.
     */
    public static Path downloadModel(Map<String, ?> values) throws IOException {
        return DownloadModelCommand.fetch(values(DownloadModelCommand.TABLE, values), null).path();
    }

    /** The table's defaults with the given values; an unknown key or a bad value names the key. */
    static ParameterTable.Values values(ParameterTable table, Map<String, ?> given) {
        ParameterTable.Values v = table.defaults();
        for (Map.Entry<String, ?> e : given.entrySet()) {
            Object value = e.getValue();
            if (value == null) continue; // left out: the default
            if (table.field(e.getKey()).type() == Field.Type.IMAGE && value instanceof ImagePlus imp) value = imp.getTitle();
            v = v.with(e.getKey(), value);
        }
        return v;
    }

    private static ImagePlus input(ImagePlus imp, String command) {
        if (imp == null || imp.getProcessor() == null) {
            throw new IllegalArgumentException(command + " needs an input image: give one as input.");
        }
        return imp;
    }
}
