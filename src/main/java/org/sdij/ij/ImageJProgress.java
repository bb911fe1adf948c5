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
    private final Observer observer;
    private int image;
    private StepListener previews = StepListener.NONE;

    /**
     * Who else follows a run besides ImageJ's bar and Esc: a SciJava command's status service and its cancel.
     * Told the status line and the bar's position after every step and decoded part; returning false cancels.
     */
    public interface Observer {
        boolean report(String status, double fraction);
    }

    /** The observer of the runs on this thread (one at a time per thread, as commands run). */
    private static final ThreadLocal<Observer> OBSERVER = new ThreadLocal<>();

    /** Runs {@code work} with every progress of this thread also told to {@code observer}. */
    public static <T> T observed(Observer observer, java.util.concurrent.Callable<T> work) throws Exception {
        Observer before = OBSERVER.get();
        OBSERVER.set(observer);
        try {
            return work.call();
        } finally {
            OBSERVER.set(before);
        }
    }

    /**
     * For the runs that have no denoising steps (a depth estimate, a download): shows {@code status} and
     * {@code fraction} on ImageJ's bar and tells them to this thread's observer; false once the run should stop
     * (Esc, an interrupt of the thread, the observer's cancel).
     */
    static boolean proceed(String status, double fraction) {
        IJ.showProgress(fraction);
        IJ.showStatus(status + ", Esc to cancel");
        if (IJ.escapePressed() || Thread.currentThread().isInterrupted()) return false;
        Observer observer = OBSERVER.get();
        return observer == null || observer.report(status, fraction);
    }

    public ImageJProgress(String what, int imageCount) {
        if (imageCount < 1) throw new IllegalArgumentException("imageCount must be at least 1");
        this.what = what;
        this.imageCount = imageCount;
        this.observer = OBSERVER.get();
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
        double fraction = fraction(step, total);
        IJ.showProgress(fraction);
        String then = step == total ? ", decoding" : "";
        String status = what + ": step " + step + "/" + total + of() + then;
        IJ.showStatus(status + ", Esc to cancel");
        return goOn(status, fraction);
    }

    /** The decode after the last step fills the rest of the image's slot; the status line counts its parts. */
    @Override
    public boolean onDecode(int done, int total) {
        if (IJ.escapePressed()) return false;
        double fraction = (image + STEPS_SHARE + (1 - STEPS_SHARE) * done / total) / imageCount;
        IJ.showProgress(fraction);
        String status = what + ": decoded " + done + "/" + total + of();
        IJ.showStatus(status + ", Esc to cancel");
        return goOn(status, fraction);
    }

    /** Whether the run goes on: no Esc, no interrupt of the thread (a script's future.cancel(true)), no observer's cancel. */
    private boolean goOn(String status, double fraction) {
        if (IJ.escapePressed() || Thread.currentThread().isInterrupted()) return false;
        return observer == null || observer.report(status, fraction);
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
