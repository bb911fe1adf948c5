package org.sdij.scijava;

import org.scijava.ItemIO;
import org.scijava.app.StatusService;
import org.scijava.command.ContextCommand;
import org.scijava.plugin.Parameter;
import org.sdij.hub.HubException;
import org.sdij.ij.ImageJProgress;
import org.sdij.pipeline.CancelledException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What every sd-ij SciJava command shares: its values by macro key, progress through the {@link StatusService},
 * and a cancel ({@link #cancel}, an interrupt of the thread, or Esc) that leaves no result.
 *
 * <p>Each command declares its values as {@code @Parameter} fields named exactly as the macro keys of its
 * ImageJ 1 command, with the same defaults, and hands them to the same code as that command
 * ({@link org.sdij.ij.ImagePlusCommands}). Its one output is {@value #RESULT}; a bad value or input fails the
 * run with the message the ImageJ 1 command shows (a script sees it as the cause of the
 * {@code ExecutionException} of {@code get()}).
 *
 * @param <T> the output's type
 */
abstract class SdijCommand<T> extends ContextCommand {

    /** The name of every command's output. ("output" is a macro key: RGB or 32-bit.) */
    static final String RESULT = "result";

    /** The inputs that are not values of the ImageJ 1 command: the image to work on. */
    static final String INPUT = "input";

    @Parameter
    private StatusService status;

    /** The menu command's name without the dots, as the status line shows it ("Text to Image"). */
    abstract String name();

    /** What these values make. */
    abstract T make(Map<String, Object> values) throws IOException;

    /** Sets the output {@value #RESULT} (null: a cancelled run). */
    abstract void setResult(T result);

    @Override
    public final void run() {
        long t0 = System.nanoTime();
        try {
            setResult(ImageJProgress.observed(this::report, () -> make(values())));
            status.showStatus(String.format(Locale.ROOT, "%s: done in %.1f s", name(), (System.nanoTime() - t0) / 1e9));
        } catch (CancelledException e) {
            cancelled(name() + ": " + e.getMessage().toLowerCase(Locale.ROOT) + "; nothing was made");
        } catch (HubException e) {
            if (e.kind() != HubException.Kind.CANCELLED) throw new UncheckedIOException(e.getMessage(), e);
            cancelled(name() + ": " + e.getMessage());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Not found: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            status.clearStatus();
        }
    }

    /** No result; the reason is the caller's, where it cancelled, or else this one. */
    private void cancelled(String reason) {
        setResult(null);
        if (getCancelReason() == null || getCancelReason().isEmpty()) cancel(reason);
        status.showStatus(reason);
    }

    /** Every step, decoded part, slice or downloaded chunk: the status line and bar; false once the command was cancelled. */
    private boolean report(String line, double fraction) {
        status.showProgress((int) Math.round(fraction * 1000), 1000);
        status.showStatus(line);
        return !isCanceled();
    }

    /** This command's values: its own input {@code @Parameter} fields but the input image, by name, in declaration order. */
    final Map<String, Object> values() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Field f : getClass().getDeclaredFields()) {
            Parameter p = f.getAnnotation(Parameter.class);
            if (p == null || p.type() == ItemIO.OUTPUT || Modifier.isStatic(f.getModifiers())) continue;
            if (f.getName().equals(INPUT)) continue;
            try {
                f.setAccessible(true);
                values.put(f.getName(), f.get(this));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return values;
    }
}
