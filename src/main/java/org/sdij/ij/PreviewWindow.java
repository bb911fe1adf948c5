package org.sdij.ij;

import ij.ImagePlus;
import ij.gui.ImageWindow;
import ij.macro.Interpreter;
import java.awt.GraphicsEnvironment;
import java.awt.Point;
import java.util.function.Consumer;
import org.sdij.pipeline.LivePreview;
import org.sdij.pipeline.RgbImage;

/**
 * The live preview in ImageJ: a window that opens at the first step under the result's title (with the step
 * it shows), is updated as the core sends previews, and at the end gives its place to the result (the full VAE
 * decode), which opens where it was. One per command run, kept per thread, so {@link CommandRun} can replace
 * or discard it without the commands passing it around. Never in a batch-mode macro or headless, where no
 * window is shown; a preview window the user closes stays closed for the run.
 */
final class PreviewWindow implements LivePreview.Sink {
    private static final ThreadLocal<PreviewWindow> CURRENT = new ThreadLocal<>();

    /** Told after each preview is shown (tests take their screenshots there). */
    static volatile Consumer<ImagePlus> shownHook;

    private final String title;
    private ImagePlus imp;
    private Point location;

    private PreviewWindow(String title) {
        this.title = title;
    }

    /**
     * The preview sink of the command running on this thread, titled like its result; null where previews
     * cannot be shown (headless, a batch-mode macro) or the settings turn them off.
     */
    static PreviewWindow forRun(String title, Settings settings) {
        if (settings.previewEvery() <= 0 || GraphicsEnvironment.isHeadless() || Interpreter.isBatchMode()) return null;
        PreviewWindow previous = CURRENT.get();
        if (previous != null) return previous; // a batch of slices: one window for all of them
        PreviewWindow w = new PreviewWindow(title);
        CURRENT.set(w);
        return w;
    }

    @Override
    public void show(RgbImage preview, int step, int total) {
        String stepTitle = title + " [preview, step " + step + "/" + total + "]";
        if (imp == null) {
            imp = new ImagePlus(stepTitle, ImageOutput.colorProcessor(preview));
            imp.show();
        } else if (imp.getWindow() == null) {
            return; // closed by the user
        } else {
            imp.setProcessor(ImageOutput.colorProcessor(preview));
            imp.setTitle(stepTitle);
        }
        ImageWindow window = imp.getWindow();
        if (window != null && window.isShowing()) location = window.getLocationOnScreen();
        Consumer<ImagePlus> hook = shownHook;
        if (hook != null) hook.accept(imp);
    }

    /** Closes this thread's preview window, if any; the next image window opens where it was. */
    static void replace() {
        PreviewWindow w = CURRENT.get();
        CURRENT.remove();
        if (w == null || w.imp == null) return;
        ImageWindow window = w.imp.getWindow();
        if (window != null && window.isShowing()) w.location = window.getLocationOnScreen();
        w.imp.changes = false;
        w.imp.close();
        if (w.location != null) ImageWindow.setNextLocation(w.location);
    }

    /** Closes this thread's preview window, if any, and forgets where it was (a cancelled or failed run). */
    static void discard() {
        PreviewWindow w = CURRENT.get();
        CURRENT.remove();
        if (w == null || w.imp == null) return;
        w.imp.changes = false;
        w.imp.close();
    }
}
