package org.sdij.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The SHA-256 identity of a model's weights, which the metadata of every image records, so a result can be
 * matched to the exact weights it came from.
 * <ul>
 * <li>A single file (.safetensors, .ckpt): the SHA-256 of the whole file, as {@code sha256sum} prints it. Other
 *     Stable Diffusion tools show this hash: A1111's "Model hash" (AutoV2) is its first 10 hex digits, Civitai
 *     lists it in full.</li>
 * <li>A diffusers folder: the SHA-256 of a text manifest with one line per weight file the model reads (UNet,
 *     VAE and text encoder: the variant chosen, every shard of a sharded one),
 *     {@code "<path relative to the folder, '/' separated>  <the file's sha256>\n"}, the lines sorted by
 *     character. Configs, tokenizer and scheduler files are not part of it. In a shell, inside the folder:
 *     {@code sha256sum unet/F vae/F text_encoder/F | awk '{print $2"  "$1}' | LC_ALL=C sort | sha256sum}.</li>
 * </ul>
 * Hashing a file of several GB takes seconds, so each file's hash is kept in a cache file (a TSV: hash, size,
 * modification time in ns, real path), valid while the file keeps its size and modification time. A cache that
 * cannot be read or written only means hashing again: it never fails a run. The file is replaced whole (written
 * beside it, then moved over it), so a reader never sees half of it.
 */
public final class ModelHash {

    /** System property naming the cache folder; it wins over {@code SDIJ_CACHE} (tests point it at a temp dir). */
    public static final String CACHE_DIR_PROPERTY = "sdij.cache";
    public static final String CACHE_FILE_NAME = "model-hashes.tsv";
    /** Digits of the short form, as A1111 shows a model hash. */
    public static final int SHORT_LENGTH = 10;

    /**
     * Bytes read and digested at a time. Read, not memory-mapped: a mapped multi-GB file would count in
     * the process's resident memory until the maps are collected, on top of the mapped weights.
     */
    private static final int BLOCK = 8 << 20;
    /** Writers of cache files in this JVM take turns. */
    private static final Object CACHE_LOCK = new Object();

    private final Path cacheFile;

    /** @param cacheFile the TSV that keeps file hashes, or null for none */
    public ModelHash(Path cacheFile) {
        this.cacheFile = cacheFile;
    }

    /** With the cache at {@link #defaultCacheFile()}, found anew on each call. */
    public static ModelHash atDefaultLocation() {
        return new ModelHash(defaultCacheFile());
    }

    /**
     * {@code model-hashes.tsv} in the folder the {@code sdij.cache} property or {@code SDIJ_CACHE} names, else in
     * {@code $XDG_CACHE_HOME/sd-ij}, else in {@code ~/.cache/sd-ij}.
     */
    public static Path defaultCacheFile() {
        return defaultCacheDir(System.getProperty(CACHE_DIR_PROPERTY), System.getenv(), System.getProperty("user.home"))
                .resolve(CACHE_FILE_NAME);
    }

    static Path defaultCacheDir(String property, Map<String, String> env, String home) {
        if (isSet(property)) return Paths.get(property);
        if (isSet(env.get("SDIJ_CACHE"))) return Paths.get(env.get("SDIJ_CACHE"));
        if (isSet(env.get("XDG_CACHE_HOME"))) return Paths.get(env.get("XDG_CACHE_HOME"), "sd-ij");
        return Paths.get(home, ".cache", "sd-ij");
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    /** The model's hash (64 hex digits): of its single file, or of its folder's manifest. */
    public String of(ModelFiles model) throws IOException {
        return of(model.format(), model.origin(), model.weightFiles());
    }

    private String of(ModelFiles.Format format, Path origin, List<Path> weightFiles) throws IOException {
        return format == ModelFiles.Format.SINGLE_FILE ? ofFile(origin) : ofFolder(origin, weightFiles);
    }

    /**
     * The model's hash, computed at the first call (not before: a run that fails early never hashes) and then
     * kept. When the files cannot be read it is null, with a warning on standard error: the images are made anyway.
     */
    public static Supplier<String> onFirstUse(ModelFiles model) {
        ModelFiles.Format format = model.format();
        Path origin = model.origin();
        List<Path> files = model.weightFiles();
        return new Supplier<>() {
            private boolean done;
            private String hash;

            @Override
            public synchronized String get() {
                if (!done) {
                    try {
                        hash = atDefaultLocation().of(format, origin, files);
                    } catch (IOException e) {
                        System.err.println("sd-ij: cannot hash the model " + origin + " (" + e + "); "
                                + "the metadata will lack its hash");
                    }
                    done = true;
                }
                return hash;
            }
        };
    }

    /** The first {@value #SHORT_LENGTH} hex digits (A1111's AutoV2 form), or null for null. */
    public static String shortForm(String hash) {
        return hash == null ? null : hash.substring(0, Math.min(SHORT_LENGTH, hash.length()));
    }

    /** SHA-256 of the whole file, from the cache when the file is unchanged. */
    public String ofFile(Path file) throws IOException {
        Path real = file.toRealPath();
        BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
        long size = attributes.size();
        long modified = attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        String key = real.toString();
        String hash = cached(key, size, modified);
        if (hash == null) {
            hash = sha256(real);
            remember(key, size, modified, hash);
        }
        return hash;
    }

    /** SHA-256 of the manifest of {@code weightFiles}, which must lie inside {@code folder}. */
    public String ofFolder(Path folder, List<Path> weightFiles) throws IOException {
        if (weightFiles.isEmpty()) throw new NoSuchFileException(folder.toString(), null, "no weight files to hash");
        Path root = folder.toAbsolutePath().normalize();
        List<String> lines = new ArrayList<>();
        for (Path file : weightFiles) {
            Path absolute = file.toAbsolutePath().normalize();
            if (!absolute.startsWith(root)) throw new IllegalArgumentException(file + " is not inside " + folder);
            String relative = root.relativize(absolute).toString().replace(absolute.getFileSystem().getSeparator(), "/");
            lines.add(relative + "  " + ofFile(absolute) + "\n");
        }
        lines.sort(null);
        MessageDigest digest = newDigest();
        for (String line : lines) digest.update(line.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    /** SHA-256 of the file, read in blocks of {@link #BLOCK} bytes; no cache. */
    public static String sha256(Path file) throws IOException {
        return sha256(file, BLOCK);
    }

    static String sha256(Path file, int blockBytes) throws IOException {
        MessageDigest digest = newDigest();
        byte[] block = new byte[blockBytes];
        ByteBuffer buffer = ByteBuffer.wrap(block);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            int read;
            while ((read = channel.read(buffer.clear())) >= 0) digest.update(block, 0, read);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    // ---- the cache file: one line per file, "hash \t size \t modified-ns \t real path"

    private String cached(String key, long size, long modified) {
        Entry entry = readCache().get(key);
        return entry != null && entry.size() == size && entry.modified() == modified ? entry.hash() : null;
    }

    private void remember(String key, long size, long modified, String hash) {
        if (cacheFile == null || key.indexOf('\t') >= 0 || key.indexOf('\n') >= 0 || key.indexOf('\r') >= 0) return;
        synchronized (CACHE_LOCK) {
            Map<String, Entry> entries = readCache();
            entries.keySet().removeIf(path -> !exists(path)); // models deleted since
            entries.put(key, new Entry(hash, size, modified));
            StringBuilder text = new StringBuilder();
            entries.forEach((path, e) -> text.append(e.hash()).append('\t').append(e.size()).append('\t')
                    .append(e.modified()).append('\t').append(path).append('\n'));
            Path temp = null;
            try {
                Path dir = cacheFile.toAbsolutePath().getParent();
                Files.createDirectories(dir);
                temp = Files.createTempFile(dir, CACHE_FILE_NAME, ".tmp");
                Files.writeString(temp, text, StandardCharsets.UTF_8);
                try {
                    Files.move(temp, cacheFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, cacheFile, StandardCopyOption.REPLACE_EXISTING);
                }
                temp = null;
            } catch (IOException | RuntimeException e) {
                // not cached: the next run hashes again
            } finally {
                if (temp != null) {
                    try {
                        Files.deleteIfExists(temp);
                    } catch (IOException ignored) {
                        // a stray temp file in the cache folder
                    }
                }
            }
        }
    }

    private static boolean exists(String path) {
        try {
            return Files.exists(Paths.get(path));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** The cache's entries by path; empty when there is no cache or it cannot be read. Bad lines are skipped. */
    private Map<String, Entry> readCache() {
        Map<String, Entry> entries = new LinkedHashMap<>();
        if (cacheFile == null || !Files.isRegularFile(cacheFile)) return entries;
        try {
            for (String line : Files.readAllLines(cacheFile, StandardCharsets.UTF_8)) {
                String[] f = line.split("\t", 4);
                if (f.length != 4 || !f[0].matches("[0-9a-f]{64}")) continue;
                try {
                    entries.put(f[3], new Entry(f[0], Long.parseLong(f[1]), Long.parseLong(f[2])));
                } catch (NumberFormatException ignored) {
                    // a damaged line
                }
            }
        } catch (IOException | RuntimeException e) {
            entries.clear();
        }
        return entries;
    }

    private record Entry(String hash, long size, long modified) {}
}
