package org.sdij.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sdij.hub.HubException.Kind;

/**
 * Fetches one blob into {@code blobs/{etag}.incomplete}, resuming from what is there with {@code Range}, and
 * publishes it as {@code blobs/{etag}} only once its size and hash are right. The etag is the hash: a sha256
 * (64 hex) for LFS files, the git blob sha1 (40 hex) for small ones.
 */
final class BlobDownload {

    private static final int CHUNK = 1 << 20;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");

    private final HubClient client;
    private final CacheRepo cache;
    private final DownloadProgress progress;

    BlobDownload(HubClient client, CacheRepo cache, DownloadProgress progress) {
        this.client = client;
        this.cache = cache;
        this.progress = progress;
    }

    /** Makes {@code blobs/{etag}} hold the file {@code meta} describes; nothing is fetched when it is there. */
    void fetch(HubClient.FileMetadata meta, String repo, String path) throws IOException {
        Path blob = cache.blob(meta.etag());
        if (Files.isRegularFile(blob)) return;
        Files.createDirectories(blob.getParent());
        Path lockFile = cache.lockFile(meta.etag());
        Files.createDirectories(lockFile.getParent());
        // excludes another sd-ij (CLI and Fiji at once); Python's flock does not see it, which the atomic
        // publish of checked bytes makes harmless
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockChannel.lock()) {
            if (Files.isRegularFile(blob)) return;
            download(meta, repo, path);
        }
    }

    private void download(HubClient.FileMetadata meta, String repo, String path) throws IOException {
        Path part = cache.incomplete(meta.etag());
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (have > meta.size()) {
            Files.delete(part);
            have = 0;
        }
        checkSpace(part, meta.size() - have, path);
        progress.startFile(path, meta.size(), have);
        MessageDigest digest = digestFor(meta.etag(), meta.size());
        if (have < meta.size()) {
            HttpResponse<InputStream> r = client.get(meta.location(), have, repo, meta.commit(), path);
            if (r.statusCode() == 416) { // the server knows no such range: start over
                r.body().close();
                Files.deleteIfExists(part);
                have = 0;
                r = client.get(meta.location(), 0, repo, meta.commit(), path);
            }
            if (have > 0 && r.statusCode() == 206) {
                Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    r.body().close();
                    throw new HubException(Kind.BAD_ANSWER, "The server resumed " + path + " at the wrong place ("
                            + r.headers().firstValue("Content-Range").orElse("no Content-Range") + ", wanted byte "
                            + have + "). Delete " + part + " and download again.");
                }
            } else if (have > 0) {
                have = 0; // a 200 to a Range request is the whole file: start over
            }
            if (have > 0) hashPrefix(part, digest);
            write(r, part, have, meta, path, digest);
        } else {
            hashPrefix(part, digest);
        }
        verify(part, meta, repo, path, digest);
        cache.publishBlob(part, meta.etag());
    }

    private void write(HttpResponse<InputStream> r, Path part, long have, HubClient.FileMetadata meta, String path,
                       MessageDigest digest) throws IOException {
        long done = have;
        StandardOpenOption mode = have > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        try (InputStream in = r.body();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
            byte[] buffer = new byte[CHUNK];
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    throw new HubException(Kind.INCOMPLETE, "The connection was lost after " + done + " of "
                            + meta.size() + " bytes of " + path + ". The part is kept: run the same download again"
                            + " to resume from there.", e);
                }
                if (n < 0) break;
                try {
                    out.write(buffer, 0, n);
                } catch (IOException e) {
                    throw diskFull(part, path, e);
                }
                if (digest != null) digest.update(buffer, 0, n);
                done += n;
                if (!progress.bytes(done, meta.size())) {
                    throw new HubException(Kind.CANCELLED, "Download cancelled after " + done + " of " + meta.size()
                            + " bytes of " + path + "; the next download of this model resumes from there.");
                }
            }
        }
        if (done < meta.size()) {
            throw new HubException(Kind.INCOMPLETE, "The connection ended after " + done + " of " + meta.size()
                    + " bytes of " + path + ". The part is kept: run the same download again to resume from there.");
        }
    }

    private static void verify(Path part, HubClient.FileMetadata meta, String repo, String path, MessageDigest digest)
            throws IOException {
        long size = Files.size(part);
        String problem = null;
        if (size != meta.size()) {
            problem = "it has " + size + " bytes instead of " + meta.size();
        } else if (digest != null) {
            String got = HexFormat.of().formatHex(digest.digest());
            if (!got.equals(meta.etag())) {
                problem = "its " + (meta.etag().length() == 64 ? "sha256" : "git sha1") + " is " + got
                        + " instead of " + meta.etag();
            }
        }
        if (problem != null) {
            Files.deleteIfExists(part);
            throw new HubException(Kind.CORRUPT, "The download of " + path + " from " + repo + " is damaged: "
                    + problem + ". It was deleted; run the download again (a proxy that alters files, or a"
                    + " faulty disk, would do this every time).");
        }
    }

    /** The hash the etag is: sha256 for LFS files, git's blob sha1 for regular ones; null for anything else. */
    static MessageDigest digestFor(String etag, long size) {
        try {
            if (etag.matches("[0-9a-f]{64}")) return MessageDigest.getInstance("SHA-256");
            if (etag.matches("[0-9a-f]{40}")) {
                MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
                sha1.update(("blob " + size + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return sha1;
            }
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void hashPrefix(Path part, MessageDigest digest) throws IOException {
        if (digest == null) return;
        try (InputStream in = Files.newInputStream(part)) {
            byte[] buffer = new byte[CHUNK];
            for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
        }
    }

    private static void checkSpace(Path part, long needed, String path) throws IOException {
        long free = Files.getFileStore(part.getParent()).getUsableSpace();
        if (free < needed) {
            throw new HubException(Kind.DISK_FULL, "Not enough disk space for " + path + ": it needs " + mb(needed)
                    + " more, " + part.getParent() + " has " + mb(free) + " free. Free some space, or move the cache"
                    + " to a larger disk with HF_HUB_CACHE; nothing was written.");
        }
    }

    private static HubException diskFull(Path part, String path, IOException e) {
        return new HubException(Kind.DISK_FULL, "Could not write " + path + " to " + part + " (" + e.getMessage()
                + "): the disk is full? Free some space or move the cache with HF_HUB_CACHE; the part written so far"
                + " is kept as .incomplete (never as a finished file) and resumes next time.", e);
    }

    static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
