package org.sdij.ij;

import ij.IJ;
import net.imagej.patcher.EssentialLegacyHooks;
import net.imagej.patcher.LegacyHooks;

/**
 * Does something once, on the thread that runs a command, when ImageJ's status line first shows a text (a
 * step): cancel the module, interrupt the thread, press Esc. Closing puts the previous hooks back (not a test class).
 */
final class StatusHook extends EssentialLegacyHooks implements AutoCloseable {

    static {
        ImageJHarness.init();
    }

    private final String text;
    private final Runnable action;
    private final Object previous;
    private boolean done;

    private StatusHook(String text, Runnable action) {
        this.text = text;
        this.action = action;
        this.previous = install(this);
    }

    static StatusHook at(String text, Runnable action) {
        return new StatusHook(text, action);
    }

    @Override
    public void showStatus(String status) {
        if (!done && status != null && status.contains(text)) {
            done = true;
            action.run();
        }
    }

    @Override
    public void close() {
        install((LegacyHooks) previous);
        IJ.resetEscape();
    }

    private static Object install(LegacyHooks hooks) {
        try {
            return IJ.class.getMethod("_hooks", LegacyHooks.class).invoke(null, hooks);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("ij1-patcher's IJ._hooks is missing", e);
        }
    }
}
