package org.sdij.ij;

import ij.IJ;
import org.sdij.pipeline.StepListener;

/**
 * The core's per-step listener as ImageJ's progress bar and status line, with Esc to cancel. One
 * adapter spans a whole batch: image {@code i} of {@code n} fills the bar's i-th n-th.
 */
public final class ImageJProgress implements StepListener {

    private final String what;
    private final int imageCount;
    private int image;

    public ImageJProgress(String what, int imageCount) {
        if (imageCount < 1) throw new IllegalArgumentException("imageCount must be at least 1");
        this.what = what;
        this.imageCount = imageCount;
        IJ.resetEscape();
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
        String of = imageCount > 1 ? " (image " + (image + 1) + "/" + imageCount + ")" : "";
        IJ.showStatus(what + ": step " + step + "/" + total + of + ", Esc to cancel");
        return !IJ.escapePressed();
    }

    /** The progress bar's position after this step of the current image. */
    public double fraction(int step, int total) {
        return (image + (double) step / total) / imageCount;
    }

    /** Clears the bar and the status line (after the run, cancelled or not). */
    public void done(String status) {
        IJ.showProgress(1.0);
        IJ.showStatus(status);
    }
}
