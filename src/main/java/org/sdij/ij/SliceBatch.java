package org.sdij.ij;

import ij.ImagePlus;
import org.sdij.pipeline.CancelledException;
import org.sdij.pipeline.Generation;
import org.sdij.pipeline.GenerationMetadata;
import org.sdij.pipeline.RgbImage;
import org.sdij.pipeline.StableDiffusion;

import java.awt.Rectangle;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the commands that read an image share: every position of a source run through one pipeline with
 * one model load, the progress bar spanning the batch, Esc stopping it (keeping the finished positions
 * when asked), each image's record naming the input it came from; and the macro line that selects that
 * input again.
 */
final class SliceBatch {

    private SliceBatch() {
    }

    /** One position's pipeline call. */
    interface OnePosition {
        Generation run(StableDiffusion model, ImageInput.Converted input, int index, ImageJProgress progress)
                throws IOException;
    }

    /**
     * The images of the positions made, in order, each with its record: all {@code total} of them, or the
     * first {@code done} when Esc stopped a run that keeps its finished positions.
     */
    record Result(List<RgbImage> images, List<GenerationMetadata> records, int done, int total) {

        /** What a result's title gets when the run was cancelled: " [cancelled, 1 of 3]", else nothing. */
        String titleSuffix() {
            return done < total ? " [cancelled, " + done + " of " + total + "]" : "";
        }
    }

    /**
     * Runs {@code one} for every position of the source with the model the values name (loaded once).
     * Esc stops the run with a {@link CancelledException}, or, when the values ask to keep_finished and a
     * position is finished, with the finished positions as the result.
     *
     * @param more entries for every record besides the input's region, position and mapping
     */
    static Result run(String what, ImageToImageCommand.Source s, ParameterTable.Values v, ModelCache.KindCheck check,
                      Map<String, String> more, OnePosition one) throws IOException {
        Settings settings = Settings.current();
        String location = ModelChoice.resolve(v.string("model"), settings.modelsFolder());
        List<RgbImage> images = new ArrayList<>();
        List<GenerationMetadata> records = new ArrayList<>();
        int n = s.positions().size();
        long t0 = System.nanoTime();
        int done = ModelCache.use(location, settings, v.string("device"), check, model -> {
            ImageJProgress progress = new ImageJProgress(what, n);
            progress.previewWith(model, settings.previewEvery(),
                    PreviewWindow.forRun(s.imp().getShortTitle() + " " + what, settings));
            for (int i = 0; i < n; i++) {
                progress.startImage(i);
                int[] zt = s.positions().get(i);
                ImageInput.Converted input = ImageInput.convertAt(s.imp(), s.region(), s.channels(), zt[0], zt[1]);
                Generation g;
                try {
                    g = one.run(model, input, i, progress);
                } catch (CancelledException e) {
                    if (!v.flag("keep_finished") || i == 0) throw e;
                    String kept = what + ": " + e.getMessage().toLowerCase(Locale.ROOT) + "; kept " + i + " of " + n
                            + " positions";
                    progress.done(kept);
                    CommandRun.endStatus(kept); // still there once the result is shown
                    return i;
                }
                Map<String, String> extra = new LinkedHashMap<>();
                extra.put("input_title", s.imp().getTitle());
                extra.putAll(input.metadata());
                extra.putAll(more);
                images.addAll(g.images());
                records.addAll(CommandRun.withExtra(g.metadata(), extra));
            }
            progress.done(String.format(Locale.ROOT, "%s: %d image(s) in %.1f s", what, images.size(),
                    (System.nanoTime() - t0) / 1e9));
            return n;
        });
        return new Result(images, records, done, n);
    }

    /**
     * A macro that reproduces the result: selects the input and its position, restores the selection
     * ({@code selection}: macro code, or null for the source's region as a rectangle), then runs the command.
     */
    static String macroLine(ImageToImageCommand.Source s, String selection, ParameterTable table,
                            ParameterTable.Values v) {
        ImagePlus imp = s.imp();
        StringBuilder m = new StringBuilder("selectImage(\"" + MacroOptions.escape(imp.getTitle()) + "\"); ");
        if (imp.getStackSize() > 1 && s.positions().size() == 1) {
            int[] zt = s.positions().get(0);
            m.append("Stack.setPosition(").append(ImageInput.current(imp)[0]).append(", ").append(zt[0]).append(", ")
                    .append(zt[1]).append("); ");
        }
        Rectangle r = s.region();
        if (selection != null) {
            m.append(selection);
        } else if (r.x == 0 && r.y == 0 && r.width == imp.getWidth() && r.height == imp.getHeight()) {
            m.append("run(\"Select None\"); ");
        } else {
            m.append("makeRectangle(").append(r.x).append(", ").append(r.y).append(", ").append(r.width).append(", ")
                    .append(r.height).append("); ");
        }
        return m.append(table.macroLine(v)).toString();
    }

    /** The largest region with sides a multiple of 8 (the VAE's factor) at the same corner. */
    static Rectangle fit(String what, Rectangle r, boolean selection) {
        int w = r.width / 8 * 8;
        int h = r.height / 8 * 8;
        if (w < 8 || h < 8) {
            throw new IllegalArgumentException(what + " needs at least 8x8 pixels; the "
                    + (selection ? "selection" : "image") + " is " + r.width + "x" + r.height + ".");
        }
        return new Rectangle(r.x, r.y, w, h);
    }
}
