package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import org.sdij.io.ModelKind;
import org.sdij.pipeline.CancelledException;
import org.sdij.pipeline.GenerationMetadata;
import org.sdij.text.PromptSyntax;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the generating commands share around their core call: the model the values name, the kind of
 * model a command needs, and turning failures, cancel and memory trouble into one clear message.
 */
final class CommandRun {

    private CommandRun() {
    }

    /** A command's work once its values are read. */
    interface Work {
        void run() throws IOException;
    }

    /**
     * Text to Image and Image to Image run the plain (4-channel) models of SD 1 and SD 2; another kind is
     * refused (from its files, before loading) naming the command that runs it, as the command line does.
     */
    static final ModelCache.KindCheck PLAIN_MODEL = (name, kind) -> kind.task() == ModelKind.Task.TEXT_TO_IMAGE ? null
            : name + " is " + describe(kind.task()) + ", not a text-to-image model: run it with Plugins > Stable "
            + "Diffusion > " + commandFor(kind.task()) + ", or choose a Stable Diffusion 1.x or 2.x model "
            + "(4 UNet input channels).";

    /** Inpaint Selection runs inpainting models, and plain ones as masked img2img (as the command line does). */
    static final ModelCache.KindCheck INPAINT_MODEL = needs("Inpaint Selection...", "an inpainting model (SD 2 "
            + "inpainting) or a plain one", ModelKind.Task.INPAINTING, ModelKind.Task.TEXT_TO_IMAGE);
    static final ModelCache.KindCheck DEPTH_MODEL = needs("Depth to Image...", "a depth model (SD 2 depth)",
            ModelKind.Task.DEPTH);
    static final ModelCache.KindCheck UPSCALE_MODEL = needs("Upscale 4x...", "the x4 upscaler",
            ModelKind.Task.UPSCALE_X4);

    /** The check of the command's model (null for a command that runs none). */
    static ModelCache.KindCheck checkFor(String command) {
        return switch (command) {
            case "Text to Image...", "Image to Image..." -> PLAIN_MODEL;
            case "Inpaint Selection..." -> INPAINT_MODEL;
            case "Depth to Image..." -> DEPTH_MODEL;
            case "Upscale 4x..." -> UPSCALE_MODEL;
            default -> null;
        };
    }

    /** A check that accepts the given tasks and otherwise names the command that runs the model. */
    static ModelCache.KindCheck needs(String command, String wanted, ModelKind.Task... tasks) {
        List<ModelKind.Task> allowed = List.of(tasks);
        return (name, kind) -> allowed.contains(kind.task()) ? null
                : name + " is " + describe(kind.task()) + ": " + command.replace("...", "") + " needs " + wanted
                + ". Run it with Plugins > Stable Diffusion > " + commandFor(kind.task()) + ", or choose another model.";
    }

    /** The menu command that runs a model of this kind. */
    static String commandFor(ModelKind.Task task) {
        return switch (task) {
            case TEXT_TO_IMAGE -> "Text to Image... (or Image to Image...)";
            case INPAINTING -> "Inpaint Selection...";
            case DEPTH -> "Depth to Image...";
            case UPSCALE_X4 -> "Upscale 4x...";
        };
    }

    static String describe(ModelKind.Task task) {
        return switch (task) {
            case TEXT_TO_IMAGE -> "a text-to-image model";
            case INPAINTING -> "an inpainting model (9 UNet input channels)";
            case DEPTH -> "a depth-to-image model (5 UNet input channels)";
            case UPSCALE_X4 -> "an x4 upscaler (7 UNet input channels)";
        };
    }

    /** A status line that a run ends with instead of "done in N s" (a batch cut short by Esc), per thread. */
    private static final ThreadLocal<String> END_STATUS = new ThreadLocal<>();

    /** Makes the running command end with this status line instead of "done in N s". */
    static void endStatus(String status) {
        END_STATUS.set(status);
    }

    /**
     * Runs the work and reports what went wrong as the command's error (which stops a running macro).
     * A cancel is reported in the status line, and also stops a macro, since its result is missing.
     * A run that succeeds ends with {@code "<Command>: done in N s"} in the status line, written after the result
     * is shown (showing an image clears the status line).
     */
    static void guarded(String command, Work work) {
        String name = command.replace("...", "");
        long t0 = System.nanoTime();
        END_STATUS.remove();
        try {
            work.run();
            String end = END_STATUS.get();
            IJ.showStatus(end != null ? end : doneStatus(name, (System.nanoTime() - t0) / 1e9));
        } catch (CancelledException e) {
            String message = name + ": " + e.getMessage().toLowerCase() + "; nothing was made";
            IJ.showProgress(1.0);
            IJ.showStatus(message);
            if (Macro.getOptions() != null || IJ.isMacro()) Commands.error(command, message);
        } catch (NoSuchFileException e) {
            Commands.error(command, "Not found: " + e.getMessage());
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            Commands.error(command, e.getMessage());
        } catch (OutOfMemoryError e) {
            ModelCache.unload();
            Commands.error(command, "Out of Java memory: the model was unloaded. Give ImageJ more memory "
                    + "(Edit > Options > Memory & Threads) or make fewer or smaller images.");
        } catch (NoClassDefFoundError e) { // DJL itself missing: ModelCache cannot even load
            Commands.error(command, EngineLookup.notFound(e).getMessage());
        } catch (RuntimeException e) {
            if (Macro.MACRO_CANCELED.equals(e.getMessage())) throw e;
            IJ.log(name + " failed:\n" + stackTrace(e));
            Commands.error(command, e.getClass().getSimpleName() + ": " + e.getMessage() + " (details in the Log)");
        } finally {
            END_STATUS.remove();
            PreviewWindow.discard(); // a run that made nothing leaves no preview behind
        }
    }

    /** "Text to Image: done in 3.2 s". */
    static String doneStatus(String name, double seconds) {
        return String.format(Locale.ROOT, "%s: done in %.1f s", name, seconds);
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    /** The sampler a request names: null for the model's own. */
    static String sampler(ParameterTable.Values values) {
        String s = values.string("sampler");
        return s.equals("default") ? null : s;
    }

    /** The prompt syntax Reproduce from Metadata found in the image it remakes, per thread (null: the settings'). */
    private static final ThreadLocal<PromptSyntax> RECORDED_SYNTAX = new ThreadLocal<>();

    /** The prompt syntax of a run: the recorded one while Reproduce from Metadata remakes an image, else the settings'. */
    static PromptSyntax promptSyntax() {
        PromptSyntax recorded = RECORDED_SYNTAX.get();
        return recorded != null ? recorded : PromptSyntax.parse(Settings.current().promptSyntax());
    }

    /** Runs {@code work} with this prompt syntax instead of the settings' (Reproduce from Metadata). */
    static <T> T withPromptSyntax(PromptSyntax syntax, java.util.concurrent.Callable<T> work) throws IOException {
        RECORDED_SYNTAX.set(syntax);
        try {
            return work.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            RECORDED_SYNTAX.remove();
        }
    }

    /** A size field: 0 is the model's own size (null in a request). */
    static Integer size(ParameterTable.Values values, String key) {
        int v = values.integer(key);
        return v == 0 ? null : v;
    }

    /** Copies of the records with more entries in their extra map (the input the images came from). */
    static List<GenerationMetadata> withExtra(List<GenerationMetadata> records, Map<String, String> more) {
        return records.stream().map(m -> {
            Map<String, String> extra = new LinkedHashMap<>();
            if (m.extra() != null) extra.putAll(m.extra());
            extra.putAll(more);
            return new GenerationMetadata(m.pipeline(), m.model(), m.modelKind(), m.modelHash(), m.prompt(),
                    m.negativePrompt(), m.seed(), m.imageIndex(), m.steps(), m.sampler(), m.guidance(), m.strength(),
                    m.noiseLevel(), m.width(), m.height(), m.version(), extra);
        }).toList();
    }

    /**
     * Marks an output with the command and options that made it, which Reproduce from Metadata runs
     * again, then shows it (in a macro's batch mode it becomes the active image without a window).
     */
    static void show(ImagePlus out, ParameterTable table, ParameterTable.Values values) {
        mark(out, table, values);
        showUnique(out);
    }

    /**
     * Shows a result under a title no open image has ("Text to Image (seed 42)-1" for a second run with the same
     * settings), so that macros and the depth picker can tell results apart, in the place of the run's live
     * preview window when there is one.
     */
    static void showUnique(ImagePlus out) {
        PreviewWindow.replace(); // the result opens where the run's live preview window was
        String title = out.getTitle();
        if (ij.WindowManager.getImage(title) != null) title = ij.WindowManager.getUniqueName(title); // adds -1, -2...
        out.setTitle(title);
        out.show();
    }

    /** The properties Reproduce from Metadata reads: the command, and its options with every key written out. */
    static void mark(ImagePlus out, ParameterTable table, ParameterTable.Values values) {
        out.setProp(COMMAND, table.command());
        out.setProp(OPTIONS, table.macroOptions(values));
        ImageOutput.listProperties(out);
    }

    static final String COMMAND = ImageOutput.PREFIX + "command";
    static final String OPTIONS = ImageOutput.PREFIX + "options";
}
