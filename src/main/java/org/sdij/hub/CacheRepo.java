package org.sdij.hub;

import org.sdij.io.HubCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * One repo's folder in the Hub cache, written exactly as huggingface_hub writes it, so that diffusers and
 * transformers find what sd-ij downloads and the reverse:
 * <pre>
 * models--{org}--{name}/blobs/{etag}                 the bytes, named by their hash
 *                       blobs/{etag}.incomplete      a download under way, resumed from its length
 *                       snapshots/{commit}/{path}    relative links to the blobs (copies where links fail)
 *                       refs/{revision}              the commit a branch or tag points at
 *                       .no_exist/{commit}/{path}    empty: known not to exist at that commit
 * </pre>
 */
final class CacheRepo {

    private final Path root;
    private final Path dir;

    CacheRepo(Path cacheRoot, String repo) {
        this.root = cacheRoot;
        this.dir = cacheRoot.resolve(HubCache.folderName(repo));
    }

    Path dir() {
        return dir;
    }

    boolean exists() {
        return Files.isDirectory(dir);
    }

    Path blob(String etag) {
        return dir.resolve("blobs").resolve(etag);
    }

    Path incomplete(String etag) {
        return dir.resolve("blobs").resolve(etag + ".incomplete");
    }

    Path lockFile(String etag) {
        return root.resolve(".locks").resolve(folderName(dir)).resolve(etag + ".lock");
    }

    private static String folderName(Path repoDir) {
        return repoDir.getFileName().toString();
    }

    Path snapshot(String commit) {
        return dir.resolve("snapshots").resolve(commit);
    }

    /** The file's place in the snapshot; a name that climbs out of it ({@code ..}, absolute) is refused. */
    Path pointer(String commit, String path) throws IOException {
        Path snapshot = snapshot(commit);
        Path p = snapshot.resolve(path).normalize();
        if (path.startsWith("/") || !p.startsWith(snapshot) || p.equals(snapshot)) {
            throw new IOException("Refusing the file name '" + path + "': it leaves the model's folder.");
        }
        return p;
    }

    /** The commit a revision names: itself when it is a commit hash, else what refs/{revision} holds. */
    Optional<String> commitOf(String revision) throws IOException {
        if (HubCache.isCommit(revision)) return Optional.of(revision);
        Path ref = dir.resolve("refs").resolve(revision);
        if (!Files.isRegularFile(ref)) return Optional.empty();
        String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
        return HubCache.isCommit(commit) ? Optional.of(commit) : Optional.empty();
    }

    /** refs/{revision} = commit, written to a temporary file and renamed, so a reader never sees half of it. */
    void writeRef(String revision, String commit) throws IOException {
        if (revision.equals(commit)) return;
        Path ref = dir.resolve("refs").resolve(revision);
        if (Files.isRegularFile(ref) && Files.readString(ref, StandardCharsets.UTF_8).trim().equals(commit)) return;
        Files.createDirectories(ref.getParent());
        Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        move(tmp, ref);
    }

    void markMissing(String commit, String path) throws IOException {
        Path marker = dir.resolve(".no_exist").resolve(commit).resolve(path).normalize();
        if (!marker.startsWith(dir.resolve(".no_exist"))) return;
        Files.createDirectories(marker.getParent());
        if (!Files.exists(marker)) Files.createFile(marker);
    }

    /**
     * Publishes a verified download: the temporary file becomes {@code blobs/{etag}} by one rename (so a
     * finished name only ever holds whole, checked bytes).
     */
    void publishBlob(Path temporary, String etag) throws IOException {
        move(temporary, blob(etag));
    }

    /**
     * Makes {@code snapshots/{commit}/{path}} point at the blob: a relative link (the cache can be moved), or a
     * copy where the file system has no links (Windows without developer mode, some network shares).
     */
    Path link(String commit, String path, String etag) throws IOException {
        Path pointer = pointer(commit, path);
        Path blob = blob(etag);
        Files.createDirectories(pointer.getParent());
        Files.deleteIfExists(pointer);
        try {
            Files.createSymbolicLink(pointer, pointer.getParent().relativize(blob));
        } catch (UnsupportedOperationException | FileSystemException e) {
            Path tmp = pointer.resolveSibling(pointer.getFileName() + ".copying");
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            move(tmp, pointer);
        }
        return pointer;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
