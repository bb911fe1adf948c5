package org.sdij.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.sdij.cli.CommandLine.Option;
import org.sdij.cli.CommandLine.UsageException;
import org.sdij.hub.DownloadProgress;
import org.sdij.hub.HubDownloader;
import org.sdij.hub.HubException;
import org.sdij.hub.HubSettings;
import org.sdij.hub.KnownModels;
import org.sdij.io.HubCache;

/**
 * {@code bin/sd-ij download REPO}: a model from the Hugging Face Hub into the shared cache (HF_HUB_CACHE,
 * HF_HOME/hub or ~/.cache/huggingface/hub), where every command, diffusers and transformers find it. Also the
 * {@code --download} of the generating commands.
 */
final class DownloadCommand {
    private DownloadCommand() {}

    /** The Hub settings of this process; tests put theirs here instead of changing the environment. */
    static Supplier<HubSettings> environment = HubSettings::fromEnvironment;

    static final List<Option> OPTIONS = List.of(
            Option.value("revision", "R", "branch, tag or commit (default main)"),
            Option.value("file", "F", "only this file of the repo, e.g. v1-5-pruned-emaonly.safetensors"),
            Option.value("variant", "fp16", "weights of this variant (*.fp16.safetensors) where the repo has them"),
            Option.flag("list", "list the known models and what the cache holds"));

    static String usage() {
        return CommandLine.usage("download", "REPO [--revision R] [--file F] [--variant fp16]\n"
                + "  Downloads a diffusers pipeline (or one --file) from the Hugging Face Hub into the local cache;\n"
                + "  resumes an interrupted download. Token: HF_TOKEN or HF_HOME/token. Endpoint: HF_ENDPOINT.", OPTIONS);
    }

    /** Runs the command; returns the exit status (0, 1 failed, 2 usage, 130 cancelled). */
    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException {
        boolean positional = args.length > 1 && !args[1].startsWith("--");
        CommandLine cl = CommandLine.parse("download", OPTIONS, args, positional ? 2 : 1);
        HubSettings settings = environment.get();
        if (cl.has("list")) {
            list(settings, out);
            return 0;
        }
        if (!positional) throw new UsageException("Missing REPO: which model, e.g. bin/sd-ij download "
                + KnownModels.all().get(0).id() + " (--list shows the known models)");
        String repo = args[1];
        String revision = cl.get("revision", "main");
        if (repo.contains("@") && !cl.has("revision")) {
            revision = repo.substring(repo.indexOf('@') + 1);
            repo = repo.substring(0, repo.indexOf('@'));
        }
        Bar bar = new Bar(err);
        try {
            HubDownloader downloader = new HubDownloader(settings, bar);
            HubDownloader.Result r = cl.has("file") ? downloader.file(repo, revision, cl.get("file"))
                    : downloader.pipeline(repo, revision, cl.get("variant"));
            err.println("sd-ij: " + r.repo() + " (commit " + r.commit().substring(0, Math.min(10, r.commit().length()))
                    + ") " + (r.alreadyCached() ? "was already in the cache, nothing downloaded" : "is in the cache")
                    + ": " + r.path());
            if (!r.repo().equals(repo)) {
                err.println("sd-ij: " + repo + " and " + r.repo() + " are names of the same model; it is cached as "
                        + r.repo() + ", and --model " + repo + " finds it");
            }
            out.println(r.path());
            return 0;
        } catch (HubException e) {
            err.println(bar.lineBreak() + "sd-ij download: " + e.getMessage());
            return e.kind() == HubException.Kind.CANCELLED ? 130 : 1;
        } catch (IOException e) {
            err.println(bar.lineBreak() + "sd-ij download: " + e.getMessage());
            return 1;
        }
    }

    /**
     * {@code --download} of a generating command: a repo id that is not a local path is fetched unless the cache
     * holds it whole already (then nothing is asked of the network).
     */
    static void ensureCached(String model, String variant, HubSettings settings, PrintStream err) throws IOException {
        try {
            if (Files.exists(Path.of(model))) return;
        } catch (InvalidPathException e) {
            // not a path
        }
        if (!HubCache.isRepoId(model)) return;
        String repo = model.contains("@") ? model.substring(0, model.indexOf('@')) : model;
        String revision = model.contains("@") ? model.substring(model.indexOf('@') + 1) : "main";
        HubDownloader.Result r = new HubDownloader(settings, new Bar(err)).pipeline(repo, revision, variant);
        if (!r.alreadyCached()) err.println("sd-ij: downloaded " + r.repo() + " to " + r.path());
    }

    /** One progress line per file fetched. */
    private static final class Bar implements DownloadProgress {
        private final PrintStream err;
        private ProgressBar bar;
        private long resumedFrom;
        private boolean midLine;

        Bar(PrintStream err) {
            this.err = err;
        }

        @Override
        public void startFile(String path, long size, long resumed) {
            bar = new ProgressBar(err, path);
            resumedFrom = resumed;
            if (resumed > 0) err.println("sd-ij: resuming " + path + " from byte " + resumed);
        }

        @Override
        public boolean bytes(long done, long size) {
            bar.bytes(done, size, resumedFrom);
            midLine = done < size;
            return true;
        }

        /** A line break when a bar was left half-drawn (the download stopped), so a message starts on its own line. */
        String lineBreak() {
            return midLine ? "\n" : "";
        }
    }

    private static void list(HubSettings settings, PrintStream out) {
        out.println("Known models (bin/sd-ij download ID; --file NAME for the single-file checkpoint):");
        for (KnownModels.Model m : KnownModels.all()) {
            out.printf("  %-48s %s, for %s; single file %s%s%n", m.id(), m.title(), m.command(), m.singleFile(),
                    m.oldIds().isEmpty() ? "" : "; formerly " + String.join(", ", m.oldIds()));
        }
        List<String> cached = KnownModels.cached(settings.cacheRoot());
        out.println("In the cache " + settings.cacheRoot() + ": " + (cached.isEmpty() ? "nothing" : ""));
        for (String repo : cached) out.println("  " + repo);
    }
}
