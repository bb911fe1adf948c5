package org.sdij.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Models already downloaded by Hugging Face tools, found in the local cache without any network:
 * {@code <root>/models--<org>--<name>/refs/<revision>} holds a commit hash, {@code snapshots/<hash>/} the files.
 */
public final class HubCache {
    private HubCache() {}

    /** {@code org/name}, optionally {@code @revision} (a branch, tag or commit hash). */
    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][\\w.-]*/[A-Za-z0-9][\\w.-]*(@[\\w./-]+)?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public static boolean isRepoId(String text) {
        return REPO_ID.matcher(text).matches() && !text.contains("..");
    }

    /** The cache root as huggingface_hub finds it: HF_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME or ~/.cache. */
    public static Path defaultRoot() {
        return defaultRoot(System.getenv(), System.getProperty("user.home"));
    }

    public static Path defaultRoot(Map<String, String> env, String home) {
        for (String key : List.of("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE")) {
            if (isSet(env.get(key))) return Paths.get(env.get(key));
        }
        if (isSet(env.get("HF_HOME"))) return Paths.get(env.get("HF_HOME"), "hub");
        if (isSet(env.get("XDG_CACHE_HOME"))) return Paths.get(env.get("XDG_CACHE_HOME"), "huggingface", "hub");
        return Paths.get(home, ".cache", "huggingface", "hub");
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    /** The snapshot folder of {@code repoId} in the cache at {@code root}, with messages that say what to do. */
    public static Path snapshot(Path root, String repoId) throws IOException {
        String revision = "main";
        String repo = repoId;
        int at = repoId.indexOf('@');
        if (at >= 0) {
            revision = repoId.substring(at + 1);
            repo = repoId.substring(0, at);
        }
        Path repoDir = root.resolve(folderName(repo));
        if (!Files.isDirectory(repoDir)) {
            throw new IOException("Model '" + repo + "' is not in the local Hugging Face cache (no " + repoDir + "). "
                    + "Download it first: `bin/sd-ij download " + repo + "` (or add --download to this command; in Fiji: "
                    + "Plugins > Stable Diffusion > Download Model...), or give the path of a diffusers folder or a "
                    + ".safetensors/.ckpt file. The cache is found through HF_HUB_CACHE, "
                    + "HF_HOME (its hub/ folder) or ~/.cache/huggingface/hub.");
        }
        return snapshotIn(repoDir, revision, repo);
    }

    /** A cache folder {@code models--org--name} given directly. */
    static Path snapshotIn(Path repoDir, String revision, String repo) throws IOException {
        Path snapshots = repoDir.resolve("snapshots");
        String commit = revision;
        if (!isCommit(revision)) {
            Path ref = repoDir.resolve("refs").resolve(revision);
            if (!Files.isRegularFile(ref)) {
                throw new IOException("The cached model '" + repo + "' (" + repoDir + ") has no revision '" + revision
                        + "' (no " + ref + "); it holds the snapshots " + list(snapshots)
                        + ". Name one as " + repo + "@<snapshot> or download the revision again.");
            }
            commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
        }
        Path snapshot = snapshots.resolve(commit);
        if (!isCommit(commit) || !Files.isDirectory(snapshot)) {
            throw new IOException("The cached model '" + repo + "' points to snapshot '" + commit + "', but " + snapshot
                    + " does not exist (an interrupted download?). Download it again.");
        }
        return snapshot;
    }

    static boolean isRepoFolder(Path dir) {
        return Files.isDirectory(dir.resolve("snapshots")) && Files.isDirectory(dir.resolve("refs"))
                && dir.getFileName() != null && dir.getFileName().toString().startsWith("models--");
    }

    /** The cache folder name of a repo: "models--org--name" for "org/name". */
    public static String folderName(String repo) {
        return "models--" + repo.replace("/", "--");
    }

    /** Whether {@code revision} is a full commit hash (a snapshot folder's name) rather than a branch or tag. */
    public static boolean isCommit(String revision) {
        return COMMIT.matcher(revision).matches();
    }

    /** "org/name" from a cache folder name "models--org--name". */
    public static String repoOf(Path repoDir) {
        return repoDir.getFileName().toString().substring("models--".length()).replaceFirst("--", "/");
    }

    private static List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
