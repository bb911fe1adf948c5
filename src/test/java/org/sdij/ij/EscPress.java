package org.sdij.ij;

import ij.IJ;
import net.imagej.patcher.EssentialLegacyHooks;
import net.imagej.patcher.LegacyHooks;

import java.awt.event.KeyEvent;

/**
 * Presses Esc part-way through a run, as a user would, through ij1-patcher's hooks: once the status line says
 * something (a step, a decoded part). Closing puts the previous hooks back and
 * forgets the key (not a test class).
 */
final class EscPress implements AutoCloseable {

    static {
        ImageJHarness.init();
    }

    private final Object previous;

    private EscPress(LegacyHooks hooks) {
        previous = install(hooks);
    }

    /** Esc from the first status line that contains {@code text}. */
    static EscPress atStatus(String text) {
        return new EscPress(new AtStatus(text));
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

    public static final class AtStatus extends EssentialLegacyHooks {
        private final String text;

        AtStatus(String text) {
            this.text = text;
        }

        @Override
        public void showStatus(String status) {
            if (status != null && status.contains(text)) IJ.setKeyDown(KeyEvent.VK_ESCAPE);
        }
    }
}
