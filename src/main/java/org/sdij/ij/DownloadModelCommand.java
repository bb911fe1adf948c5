package org.sdij.ij;

import ij.IJ;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import java.awt.FlowLayout;
import java.awt.Label;
import java.awt.Panel;
import java.awt.TextField;
import java.awt.GraphicsEnvironment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.sdij.hub.DownloadProgress;
import org.sdij.hub.HubDownloader;
import org.sdij.hub.HubException;
import org.sdij.hub.HubSettings;
import org.sdij.hub.KnownModels;

/**
 * Plugins > Stable Diffusion > Download Model...: a model from the Hugging Face Hub into the shared cache, where
 * every command (as its repo id), diffusers and transformers find it. A known model from the list, or any repo id;
 * progress on ImageJ's bar, Esc stops (the next download resumes). The token field is not part of the parameter
 * table: the Recorder never sees it, no preference keeps it, a macro cannot carry it (HF_TOKEN or HF_HOME/token
 * serve there). From a macro:
 * {@code run("Download Model...", "model=stable-diffusion-v1-5/stable-diffusion-v1-5 revision=main variant=none");}
 */
public class DownloadModelCommand implements PlugIn {

    static final String OTHER = "other";

    static final ParameterTable TABLE = new ParameterTable("download_model", "Download Model...", List.of(
            Field.choice("model", KnownModels.all().get(0).id(), choices()),
            Field.text("repo_id", "").withUnits("(org/name, for 'other')"),
            Field.text("revision", "main"),
            Field.text("file", "").withUnits("(one file only, e.g. a .safetensors; empty: the pipeline)"),
            Field.choice("variant", "none", "none", "fp16")));

    /** The Hub settings of this process; tests put theirs here instead of changing the environment. */
    static Supplier<HubSettings> environment = HubSettings::fromEnvironment;

    private static String[] choices() {
        List<String> c = new ArrayList<>();
        KnownModels.all().forEach(m -> c.add(m.id()));
        c.add(OTHER);
        return c.toArray(String[]::new);
    }

    @Override
    public void run(String arg) {
        ParameterTable.Values values;
        String[] token = {null};
        try {
            values = ask(token);
        } catch (IllegalArgumentException e) {
            Commands.error(TABLE.command(), e.getMessage());
            return;
        }
        if (values == null) return;
        Commands.offEventThread(TABLE.command(), () -> download(values, token[0]));
    }

    /** The table's values (macro, defaults headless, or the dialog with the token field under it). */
    private static ParameterTable.Values ask(String[] token) {
        if (Macro.getOptions() != null || GraphicsEnvironment.isHeadless()) return TABLE.ask();
        Dialog d = dialog(TABLE.remembered());
        d.gd().showDialog();
        if (d.gd().wasCanceled()) return null;
        ParameterTable.Values values = TABLE.read(d.gd());
        TABLE.remember(values);
        token[0] = d.token().getText();
        return values;
    }

    /** The dialog and its token field: a masked AWT field in a panel, which GenericDialog neither reads nor records. */
    record Dialog(GenericDialog gd, TextField token) {}

    static Dialog dialog(ParameterTable.Values values) {
        GenericDialog gd = TABLE.dialog(values);
        gd.addMessage("Known models:\n" + String.join("\n", KnownModels.all().stream()
                .map(m -> "  " + m.id() + ": " + m.title()).toList()));
        Panel tokenRow = new Panel(new FlowLayout(FlowLayout.LEFT));
        tokenRow.add(new Label("Token (gated models; not recorded, not stored):"));
        TextField tokenField = new TextField(30);
        tokenField.setEchoChar('*');
        tokenRow.add(tokenField);
        gd.addPanel(tokenRow);
        return new Dialog(gd, tokenField);
    }

    /** Fetches what the values name; the result (or why not) goes to the status line, the Log or an error. */
    static void download(ParameterTable.Values v, String token) {
        try {
            HubDownloader.Result r = fetch(v, token);
            String done = "Download Model: " + r.repo() + (r.alreadyCached() ? " was already in the cache: "
                    : " is in the cache: ") + r.path();
            IJ.showProgress(1.0);
            IJ.showStatus(done);
            IJ.log(done + "\n  (use it as model=" + repo(v) + " in the Stable Diffusion commands)");
        } catch (HubException e) {
            IJ.showProgress(1.0);
            if (e.kind() == HubException.Kind.CANCELLED) {
                String message = "Download Model: " + e.getMessage();
                IJ.showStatus(message);
                IJ.log(message);
                if (Macro.getOptions() != null || IJ.isMacro()) Commands.error(TABLE.command(), e.getMessage());
                return;
            }
            Commands.error(TABLE.command(), e.getMessage());
        } catch (IllegalArgumentException | java.io.IOException e) {
            IJ.showProgress(1.0);
            Commands.error(TABLE.command(), e.getMessage());
        }
    }

    /**
     * What the values name, fetched into the cache with progress on ImageJ's bar (and to this thread's
     * {@link ImageJProgress.Observer}): the pipeline's snapshot folder, or the one file. No dialog, no error
     * window: a value that names nothing is an {@link IllegalArgumentException}, a download that cannot go on
     * (gated, offline, cancelled...) a {@link HubException}, each with the message the menu command shows. The
     * token is the dialog's, or null for HF_TOKEN / HF_HOME/token.
     */
    static HubDownloader.Result fetch(ParameterTable.Values v, String token) throws java.io.IOException {
        String repo = repo(v);
        if (repo.isEmpty()) {
            throw new IllegalArgumentException("No repo id: choose a known model, or 'other' and type org/name in repo_id.");
        }
        HubSettings settings = environment.get();
        if (token != null && !token.isBlank()) settings = settings.withToken(token);
        String variant = v.string("variant").equals("none") ? null : v.string("variant");
        String revision = v.string("revision").isBlank() ? "main" : v.string("revision").trim();
        HubDownloader downloader = new HubDownloader(settings, new Progress());
        return v.string("file").isBlank() ? downloader.pipeline(repo, revision, variant)
                : downloader.file(repo, revision, v.string("file").trim());
    }

    /** The repo id the values name: the known model's, or repo_id for 'other'. */
    private static String repo(ParameterTable.Values v) {
        return v.string("model").equals(OTHER) ? v.string("repo_id").trim() : v.string("model");
    }

    /** What the Hugging Face cache holds, for Models and Settings... (the Log). */
    static String cachedSummary() {
        HubSettings settings = environment.get();
        List<String> cached = KnownModels.cached(settings.cacheRoot());
        return "Hugging Face cache " + settings.cacheRoot() + ": " + (cached.isEmpty() ? "no models"
                : String.join(", ", cached)) + " (usable as model=org/name; Download Model... fetches more)";
    }

    /** ImageJ's progress bar and status line (and the thread's observer); Esc, an interrupt or the observer stop between chunks. */
    private static final class Progress implements DownloadProgress {
        private String file;
        private long started;
        private long resumedFrom;

        Progress() {
            IJ.resetEscape();
        }

        @Override
        public void startFile(String path, long size, long resumed) {
            file = path;
            started = System.nanoTime();
            resumedFrom = resumed;
        }

        @Override
        public boolean bytes(long done, long size) {
            if (IJ.escapePressed()) return false;
            double seconds = (System.nanoTime() - started) / 1e9;
            double rate = seconds > 0 ? (done - resumedFrom) / seconds : 0;
            return ImageJProgress.proceed(String.format(Locale.ROOT, "Download Model: %s %.1f/%.1f MB, %.1f MB/s",
                    file, done / 1e6, size / 1e6, rate / 1e6), size == 0 ? 1.0 : (double) done / size);
        }
    }
}
