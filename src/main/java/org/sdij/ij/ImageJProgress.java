package org.sdij.ij;

import ij.IJ;
import ai.djl.ndarray.types.Shape;
import org.sdij.pipeline.LivePreview;
import org.sdij.pipeline.StableDiffusion;
import org.sdij.pipeline.StepListener;

/**
 * The core's per-step listener as ImageJ's progress bar and status line, with Esc to cancel (between
 * steps, and between the parts of the decode that follows). One adapter spans a whole batch: image
 * {@code i} of {@code n} fills the bar's i-th n-th, its steps the first {@link #STEPS_SHARE} of that and its
 * decode the rest, so the bar keeps moving (and stays visible) while a large picture decodes tile by tile.
 */
public final class ImageJProgress implements StepListener {

    /** The part of an image's slot of the bar that its denoising steps fill; the decode fills the rest. */
    public static final double STEPS_SHARE = 0.95;

    private final String what;
    private final int imageCount;
    private int image;
    private StepListener previews = StepListener.NONE;

    public ImageJProgress(String what, int imageCount) {
        if (imageCount < 1) throw new IllegalArgumentException("imageCount must be at least 1");
        this.what = what;
        this.imageCount = imageCount;
        IJ.resetEscape();
    }

    /**
     * Sends the run's previews ({@link LivePreview}, every {@code every} steps) to {@code sink}; none when the
     * sink is null.
     */
    public void previewWith(StableDiffusion model, int every, LivePreview.Sink sink) {
        previews = sink == null ? StepListener.NONE : LivePreview.around(StepListener.NONE, model, every, sink);
    }

    @Override
    public void onPrediction(int step, int total, float[] predicted, Shape shape) {
        previews.onPrediction(step, total, predicted, shape);
    }

    /** Moves on to the next image of the batch (0-based index). */
    public void startImage(int index) {
        if (index < 0 || index >= imageCount) throw new IllegalArgumentException("image " + index + " of " + imageCount);
        image = index;
    }

    @Override
    public boolean onStep(int step, int total, float[] latents) {
        if (IJ.escapePressed()) return false;
        IJ.showProgress(fraction(step, total));
        String then = step == total ? ", decoding" : "";
        IJ.showStatus(what + ": step " + step + "/" + total + of() + then + ", Esc to cancel");
        return !IJ.escapePressed();
    }

    /** The decode after the last step fills the rest of the image's slot; the status line counts its parts. */
    @Override
    public boolean onDecode(int done, int total) {
        if (IJ.escapePressed()) return false;
        IJ.showProgress((image + STEPS_SHARE + (1 - STEPS_SHARE) * done / total) / imageCount);
        IJ.showStatus(what + ": decoded " + done + "/" + total + of() + ", Esc to cancel");
        return !IJ.escapePressed();
    }

    private String of() {
        return imageCount > 1 ? " (image " + (image + 1) + "/" + imageCount + ")" : "";
    }

    /** The progress bar's position after this step of the current image. */
    public double fraction(int step, int total) {
        return (image + STEPS_SHARE * step / total) / imageCount;
    }

    /** Clears the bar and the status line (after the run, cancelled or not). */
    public void done(String status) {
        IJ.showProgress(1.0);
        IJ.showStatus(status);
    }
}
