package org.sdij.ij;

import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Roi;
import ij.io.RoiDecoder;
import ij.io.RoiEncoder;
import ij.plugin.PlugIn;
import org.sdij.pipeline.GenerationRequest;
import org.sdij.pipeline.Inpaint;
import org.sdij.pipeline.Plane;

import java.awt.Polygon;
import java.awt.Rectangle;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;

/**
 * Plugins > Stable Diffusion > Inpaint Selection...: repaints the selection's shape (rectangle, oval,
 * polygon, freehand, composite) of the active image under a prompt, as a new image of the input's size
 * (trimmed to multiples of 8 unless padding is set). paste_back puts the unselected pixels back exactly,
 * through a ramp of {@code feather} pixels; padding > 0 inpaints only a box that many pixels around the
 * selection at the model's resolution. The current slice, or every slice with one model load. From a macro:
 * {@code makeOval(20, 20, 40, 30); run("Inpaint Selection...", "model=sd2-inpainting prompt=[a red flower] paste_back");}
 */
public class InpaintCommand implements PlugIn {

    static final ParameterTable TABLE = CommandTables.INPAINT;

    @Override
    public void run(String arg) {
        ImagePlus imp = WindowManager.getCurrentImage();
        if (imp == null) {
            Commands.error(TABLE.command(), "Inpaint Selection needs an open image: open the picture, select the "
                    + "part to repaint, and run the command again.");
            return;
        }
        Roi roi = imp.getRoi();
        ParameterTable.Values values;
        ImageToImageCommand.Source source;
        try {
            if (roi == null) {
                throw new IllegalArgumentException("Inpaint Selection repaints the selection, and '" + imp.getTitle()
                        + "' has none: select the part to repaint (rectangle, oval, polygon or freehand tool) "
                        + "and run the command again.");
            }
            ImageInput.region(imp, roi); // an area selection inside the image, before the dialog
            values = TABLE.ask();
            if (values == null) return;
            source = ImageToImageCommand.Source.atCurrent(imp, region(imp, values), values);
        } catch (IllegalArgumentException e) {
            Commands.error(TABLE.command(), e.getMessage());
            return;
        }
        Roi selection = (Roi) roi.clone();
        Commands.offEventThread(TABLE.command(), () -> CommandRun.guarded(TABLE.command(), () -> {
            ParameterTable.Values pinned = ImageToImageCommand.pinned(source, values);
            CommandRun.show(generate(source, selection, pinned), TABLE, pinned);
        }));
    }

    /** The part of the image a run reads: all of it with padding, else all of it trimmed to multiples of 8. */
    static Rectangle region(ImagePlus imp, ParameterTable.Values v) {
        Rectangle all = new Rectangle(0, 0, imp.getWidth(), imp.getHeight());
        return v.integer("padding") > 0 ? all : SliceBatch.fit("Inpaint Selection", all, false);
    }

    /**
     * The inpainted images of every position of the source, as a new image (not shown) that carries the
     * selection ({@link #SELECTION}) so that Reproduce from Metadata can repaint the same shape.
     */
    static ImagePlus generate(ImageToImageCommand.Source s, Roi roi, ParameterTable.Values v) throws IOException {
        Rectangle r = s.region();
        float[] mask = RoiMask.of(roi, r);
        int padding = v.integer("padding");
        var settings = new Inpaint.Settings(new Plane(r.width, r.height, mask), v.flag("paste_back"),
                v.integer("feather"), padding > 0 ? padding : null);
        SliceBatch.Result result = SliceBatch.run("Inpaint Selection", s, v, CommandRun.INPAINT_MODEL,
                Map.of("mask_pixels", Integer.toString(count(mask))),
                (model, input, i, progress) -> Inpaint.run(model, new GenerationRequest(v.string("prompt"),
                        v.string("negative_prompt"), v.seed("seed"), v.integer("steps"), v.decimal("guidance"),
                        CommandRun.sampler(v), null, null, v.integer("num_images"), input.image(),
                        v.decimal("strength"), CommandRun.promptSyntax()), settings, progress));
        String title = s.imp().getShortTitle() + " inpaint (seed " + Long.toUnsignedString(v.seed("seed")) + ")"
                + result.titleSuffix();
        var options = new ImageOutput.Options(v.string("output").equals("32-bit"),
                SliceBatch.macroLine(s, selectionMacro(roi), TABLE, v), null, null, 1)
                .from(s.imp().getCalibration(), r, 1);
        ImagePlus out = ImageOutput.create(title, result.images(), result.records(), options);
        out.setProp(SELECTION, Base64.getEncoder().encodeToString(RoiEncoder.saveAsByteArray(roi)));
        return out;
    }

    /** The selection that was repainted, as an ImageJ .roi file in Base64 (kept in TIFF files). */
    static final String SELECTION = ImageOutput.PREFIX + "selection";

    /** The selection an Inpaint Selection result carries. */
    static Roi recordedSelection(ImagePlus made) {
        String text = made.getProp(SELECTION);
        Roi roi = text == null ? null : RoiDecoder.openFromByteArray(Base64.getDecoder().decode(text));
        if (roi == null) {
            throw new IllegalArgumentException("'" + made.getTitle() + "' carries no inpainted selection (property "
                    + SELECTION + "): run its recorded macro line instead.");
        }
        return roi;
    }

    private static int count(float[] mask) {
        int n = 0;
        for (float m : mask) if (m > 0) n++;
        return n;
    }

    /** Macro code that makes the selection again; a composite one cannot be written out, so the line says so. */
    static String selectionMacro(Roi roi) {
        Rectangle b = roi.getBounds();
        int type = roi.getType();
        if (type == Roi.RECTANGLE && roi.getCornerDiameter() == 0) {
            return "makeRectangle(" + b.x + ", " + b.y + ", " + b.width + ", " + b.height + "); ";
        }
        if (type == Roi.OVAL) return "makeOval(" + b.x + ", " + b.y + ", " + b.width + ", " + b.height + "); ";
        if (type == Roi.POLYGON || type == Roi.FREEROI || type == Roi.TRACED_ROI) {
            Polygon p = roi.getPolygon();
            String kind = type == Roi.POLYGON ? "polygon" : type == Roi.FREEROI ? "freehand" : "traced";
            return "makeSelection(\"" + kind + "\", newArray(" + join(p.xpoints, p.npoints) + "), newArray("
                    + join(p.ypoints, p.npoints) + ")); ";
        }
        return "/* restore the " + roi.getTypeAsString().toLowerCase() + " selection of the original run (e.g. from "
                + "the ROI Manager) here */ ";
    }

    private static String join(int[] values, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) s.append(i > 0 ? "," : "").append(values[i]);
        return s.toString();
    }
}
