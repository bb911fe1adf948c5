package org.sdij.hub;

import org.sdij.io.HubCache;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.sdij.hub.HubException.Kind;

/**
 * Downloads a model from the Hugging Face Hub into the shared cache, as huggingface_hub would: a whole diffusers
 * pipeline (the files {@link PipelineFiles} picks) or one named file. What the cache already holds is used as it
 * is: a pipeline complete in the cache (under any of the model's names) costs no request at all, and a file
 * already in the snapshot is not fetched again.
 */
public final class HubDownloader {

    /** Where the model is now, and under which repo name the cache holds it. */
    public record Result(Path path, String repo, String commit, boolean alreadyCached) {}

    private final HubSettings settings;
    private final HubClient client;
    private final DownloadProgress progress;

    public HubDownloader(HubSettings settings, DownloadProgress progress) {
        this.settings = settings;
        this.client = new HubClient(settings);
        this.progress = progress;
    }

    /** The pipeline of {@code repo} at {@code revision} (a branch, tag or commit), weights of {@code variant}. */
    public Result pipeline(String repo, String revision, String variant) throws IOException {
        checkRepoId(repo);
        Optional<Result> cached = cachedPipeline(settings.cacheRoot(), repo, revision, variant);
        if (cached.isPresent()) return cached.get();
        requireOnline(repo);
        return withRenames(repo, name -> fetchPipeline(name, revision, variant));
    }

    /** One file of {@code repo}, e.g. an original single-file checkpoint. */
    public Result file(String repo, String revision, String path) throws IOException {
        checkRepoId(repo);
        for (String name : cachedNames(settings.cacheRoot(), repo)) {
            CacheRepo cache = new CacheRepo(settings.cacheRoot(), name);
            Optional<String> commit = cache.commitOf(revision);
            if (commit.isPresent() && Files.isRegularFile(cache.pointer(commit.get(), path))) {
                progress.cached(path);
                return new Result(cache.pointer(commit.get(), path), name, commit.get(), true);
            }
        }
        requireOnline(repo);
        return withRenames(repo, name -> {
            CacheRepo cache = new CacheRepo(settings.cacheRoot(), name);
            HubClient.FileMetadata meta;
            try {
                meta = client.head(name, revision, path);
            } catch (HubException e) {
                if (e.kind() == Kind.FILE_NOT_FOUND && HubCache.isCommit(revision)) {
                    cache.markMissing(revision, path);
                }
                throw e;
            }
            Path file = fetch(cache, name, meta.commit(), path, meta);
            cache.writeRef(revision, meta.commit());
            return new Result(file, name, meta.commit(), false);
        });
    }

    private interface Fetch {
        Result from(String repo) throws IOException;
    }

    /** An old id of a known model (a repo removed from the Hub) falls back to the model's current repo. */
    private static Result withRenames(String repo, Fetch fetch) throws IOException {
        try {
            return fetch.from(repo);
        } catch (HubException e) {
            Optional<KnownModels.Model> known = KnownModels.find(repo);
            if (e.kind() != Kind.REPO_NOT_FOUND || known.isEmpty() || known.get().id().equalsIgnoreCase(repo)) throw e;
            return fetch.from(known.get().id());
        }
    }

    private Result fetchPipeline(String repo, String revision, String variant) throws IOException {
        HubClient.RepoInfo info = client.repoInfo(repo, revision);
        CacheRepo cache = new CacheRepo(settings.cacheRoot(), repo);
        if (!info.files().contains("model_index.json")) {
            List<String> weights = info.files().stream()
                    .filter(f -> !f.contains("/") && (f.endsWith(".safetensors") || f.endsWith(".ckpt"))).toList();
            throw new HubException(Kind.FILE_NOT_FOUND, "The repo " + repo + " is not a diffusers pipeline (it has no"
                    + " model_index.json)." + (weights.isEmpty() ? "" : " It holds the single files "
                    + String.join(", ", weights) + ": download one with --file NAME."));
        }
        if (variant != null && !PipelineFiles.hasVariant(info.files(), variant)) {
            throw new HubException(Kind.NO_VARIANT, "The model " + repo + " has no " + variant + " weights (no *."
                    + variant + ".safetensors file). Leave out --variant to download its full-precision weights.");
        }
        Path index = fetch(cache, repo, info.commit(), "model_index.json", null);
        for (String path : PipelineFiles.select(readIndex(index), info.files(), variant)) {
            fetch(cache, repo, info.commit(), path, null);
        }
        // the ref last: until the pipeline is whole, the cache does not name it as a model
        cache.writeRef(revision, info.commit());
        return new Result(cache.snapshot(info.commit()), repo, info.commit(), false);
    }

    /** One file into the cache at {@code commit}; {@code meta} when a HEAD already gave it. */
    private Path fetch(CacheRepo cache, String repo, String commit, String path, HubClient.FileMetadata meta)
            throws IOException {
        Path pointer = cache.pointer(commit, path);
        if (Files.isRegularFile(pointer)) {
            progress.cached(path);
            return pointer;
        }
        if (meta == null) {
            try {
                meta = client.head(repo, commit, path);
            } catch (HubException e) {
                if (e.kind() == Kind.FILE_NOT_FOUND) cache.markMissing(commit, path);
                throw e;
            }
        }
        new BlobDownload(client, cache, progress).fetch(meta, repo, path);
        return cache.link(commit, path, meta.etag());
    }

    private void requireOnline(String repo) throws HubException {
        if (settings.offline()) {
            throw new HubException(Kind.OFFLINE, "HF_HUB_OFFLINE is set, so nothing is downloaded, and " + repo
                    + " is not (completely) in the cache at " + settings.cacheRoot() + ". Unset HF_HUB_OFFLINE to"
                    + " download it.");
        }
    }

    private static void checkRepoId(String repo) throws HubException {
        if (!repo.matches("[A-Za-z0-9][\\w.-]*/[A-Za-z0-9][\\w.-]*") || repo.contains("..")) {
            throw new HubException(Kind.REPO_NOT_FOUND, "'" + repo + "' is not a Hugging Face repo id: expected"
                    + " org/name, e.g. stable-diffusion-v1-5/stable-diffusion-v1-5.");
        }
    }

    /**
     * The pipeline of {@code repo} (or of another name of the same model) when the cache at {@code root} holds it
     * whole: model_index.json, and every component it lists with its files (weights of {@code variant} if given).
     */
    public static Optional<Result> cachedPipeline(Path root, String repo, String revision, String variant)
            throws IOException {
        for (String name : cachedNames(root, repo)) {
            CacheRepo cache = new CacheRepo(root, name);
            Optional<String> commit = cache.commitOf(revision);
            if (commit.isEmpty()) continue;
            Path snapshot = cache.snapshot(commit.get());
            if (isComplete(snapshot, variant)) return Optional.of(new Result(snapshot, name, commit.get(), true));
        }
        return Optional.empty();
    }

    private static List<String> cachedNames(Path root, String repo) {
        List<String> names = new ArrayList<>();
        List<String> candidates = new ArrayList<>(List.of(repo));
        KnownModels.find(repo).ifPresent(m -> candidates.addAll(m.names()));
        for (String n : candidates) {
            if (!names.contains(n) && new CacheRepo(root, n).exists()) names.add(n);
        }
        return names;
    }

    private static boolean isComplete(Path snapshot, String variant) throws IOException {
        Path index = snapshot.resolve("model_index.json");
        if (!Files.isRegularFile(index)) return false;
        JsonObject modelIndex;
        try {
            modelIndex = readIndex(index);
        } catch (IOException e) {
            return false;
        }
        List<String> files = filesUnder(snapshot);
        for (String folder : PipelineFiles.components(modelIndex)) {
            List<String> own = files.stream().filter(f -> f.startsWith(folder + "/")).toList();
            if (own.isEmpty()) return false;
            if (!own.contains(folder + "/config.json")) continue; // scheduler, tokenizer: any files
            List<String> picked = PipelineFiles.select(modelIndex, own, variant).stream()
                    .filter(f -> f.startsWith(folder + "/") && !f.endsWith("/config.json")).toList();
            if (picked.isEmpty()) return false;
            if (variant != null && picked.stream().noneMatch(f -> f.contains("." + variant + "."))) return false;
        }
        return true;
    }

    /** The snapshot's files whose links resolve (a dangling link is a missing file), relative, with '/'. */
    private static List<String> filesUnder(Path snapshot) throws IOException {
        try (Stream<Path> s = Files.walk(snapshot)) {
            return s.filter(Files::isRegularFile).map(p -> snapshot.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        }
    }

    private static JsonObject readIndex(Path index) throws IOException {
        try {
            return JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(index + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
