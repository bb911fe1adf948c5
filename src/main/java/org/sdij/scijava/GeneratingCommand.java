package org.sdij.scijava;

import ij.ImagePlus;
import org.scijava.ItemIO;
import org.scijava.app.StatusService;
import org.scijava.command.ContextCommand;
import org.scijava.plugin.Parameter;
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
 * What the SciJava commands share: their values by macro key, progress through the {@link StatusService}, and a
 * cancel ({@link #cancel}, an interrupt of the thread, or Esc) that leaves no result.
 *
 * <p>Each command declares its values as {@code @Parameter} fields named exactly as the macro keys of its
 * ImageJ 1 command, with the same defaults, and hands them to the same code as that command
 * ({@link org.sdij.ij.ImagePlusCommands}), so the pixels and {@code sdij.*} properties are the same. The new
 * image is the output {@value #RESULT}, not shown; a bad value or input fails the run with the message the
 * ImageJ 1 command shows (a script sees it as the cause of the {@code ExecutionException} of {@code get()}).
 */
abstract class GeneratingCommand extends ContextCommand {

    /** The name of every command's output. ("output" is a macro key: RGB or 32-bit.) */
    static final String RESULT = "result";

    /** The inputs that are not values of the ImageJ 1 command: the image to work on. */
    static final String INPUT = "input";

    @Parameter
    private StatusService status;

    @Parameter(type = ItemIO.OUTPUT)
    private ImagePlus result;

    /** The menu command's name without the dots, as the status line shows it ("Text to Image"). */
    abstract String name();

    /** The image these values make, not shown. */
    abstract ImagePlus generate(Map<String, Object> values) throws IOException;

    @Override
    public final void run() {
        long t0 = System.nanoTime();
        try {
            result = ImageJProgress.observed(this::report, () -> generate(values()));
            status.showStatus(String.format(Locale.ROOT, "%s: done in %.1f s", name(), (System.nanoTime() - t0) / 1e9));
        } catch (CancelledException e) {
            result = null;
            String reason = name() + ": " + e.getMessage().toLowerCase(Locale.ROOT) + "; nothing was made";
            if (getCancelReason() == null || getCancelReason().isEmpty()) cancel(reason);
            status.showStatus(reason);
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

    /** Every step and decoded part: the status line and bar; false once the command was cancelled. */
    private boolean report(String line, double fraction) {
        status.showProgress((int) Math.round(fraction * 1000), 1000);
        status.showStatus(line);
        return !isCanceled();
    }

    /** This command's values: its own {@code @Parameter} fields but the input image, by name, in declaration order. */
    final Map<String, Object> values() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Field f : getClass().getDeclaredFields()) {
            if (!f.isAnnotationPresent(Parameter.class) || Modifier.isStatic(f.getModifiers())) continue;
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
