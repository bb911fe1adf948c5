package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;

/**
 * Model hashes against independent SHA-256 computations (and the published vectors of "" and "abc"): single files,
 * folder manifests (plain, variant, shards), the cache (hit, stale entry, unwritable, damaged) and hashing on first use.
 */
class ModelHashTest {

    /** SHA-256 of the empty input and of "abc" (FIPS 180-2 example). */
    private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @TempDir
    Path tmp;

    private ModelHash cachedIn(String folder) {
        return new ModelHash(tmp.resolve(folder).resolve(ModelHash.CACHE_FILE_NAME));
    }

    private static Path tiny(String name) {
        return Reference.resolve("tiny-models").resolve(name);
    }

    /** What {@code sha256sum} prints for the file, computed in one go from its bytes. */
    private static String expectedSha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** The documented folder definition, built independently: sorted "path  sha256\n" lines, hashed. */
    private static String expectedManifestHash(Path folder, List<String> relativePaths) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String p : relativePaths) lines.add(p + "  " + expectedSha256(folder.resolve(p)) + "\n");
        java.util.Collections.sort(lines);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(String.join("", lines).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void knownVectorsAndEveryBlockBoundary() throws Exception {
        Path empty = Files.write(tmp.resolve("empty.bin"), new byte[0]);
        Path abc = Files.writeString(tmp.resolve("abc.txt"), "abc");
        ModelHash hasher = cachedIn("cache");
        assertEquals(EMPTY, hasher.ofFile(empty));
        assertEquals(ABC, hasher.ofFile(abc));
        assertEquals("ba7816bf8f", ModelHash.shortForm(ABC));
        assertNull(ModelHash.shortForm(null));

        byte[] data = new byte[10_000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 + i / 7);
        Path file = Files.write(tmp.resolve("data.bin"), data);
        String want = expectedSha256(file);
        for (int block : new int[] {1, 7, 4096, 9_999, 10_000, 1 << 20}) {
            assertEquals(want, ModelHash.sha256(file, block), "block " + block);
        }
    }

    @Test
    void aSingleFileModelHashesToTheWholeFile() throws Exception {
        ModelHash hasher = cachedIn("cache");
        try (Stream<Path> files = Files.list(tiny(""))) {
            List<Path> singles = files.filter(f -> f.toString().endsWith(".safetensors")).sorted().toList();
            assertFalse(singles.isEmpty());
            for (Path single : singles) {
                try (ModelFiles model = openSingle(single, single)) {
                    assertEquals(List.of(single.toAbsolutePath().normalize()), model.weightFiles());
                    assertEquals(expectedSha256(single), hasher.of(model), single.toString());
                }
            }
        }
    }

    @Test
    void aFolderHashesToItsManifestWhichIsStableAndFollowsItsWeights() throws Exception {
        List<String> used = List.of("unet/diffusion_pytorch_model.safetensors",
                "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors");
        String original;
        try (ModelFiles model = ModelLocator.open(tiny("sd1").toString())) {
            original = new ModelHash(null).of(model);
            assertEquals(expectedManifestHash(tiny("sd1"), used), original);
            assertEquals(original, cachedIn("cache").of(model), "cached or not, the same hash");
            assertEquals(original, cachedIn("cache").of(model), "from the cache");
        }

        // a copy elsewhere is the same model; one changed byte in one weight file is another
        Path copy = tmp.resolve("copy");
        copyTree(tiny("sd1"), copy);
        try (ModelFiles model = ModelLocator.open(copy.toString())) {
            assertEquals(original, new ModelHash(null).of(model));
        }
        Path vae = copy.resolve("vae/diffusion_pytorch_model.safetensors");
        byte[] bytes = Files.readAllBytes(vae);
        bytes[bytes.length - 1] ^= 1; // a weight's last byte, the header untouched
        Files.write(vae, bytes);
        try (ModelFiles model = ModelLocator.open(copy.toString())) {
            String changed = new ModelHash(null).of(model);
            assertNotEquals(original, changed);
            assertEquals(expectedManifestHash(copy, used), changed);
        }
    }

    @Test
    void aFolderManifestNamesTheVariantAndEveryShardUsed() throws Exception {
        Path dir = tmp.resolve("variants");
        copyTree(tiny("sd1"), dir);
        Files.copy(dir.resolve("unet/diffusion_pytorch_model.safetensors"),
                dir.resolve("unet/diffusion_pytorch_model.fp16.safetensors"));
        Path text = dir.resolve("text_encoder");
        Map<String, String> weightMap = new TreeMap<>();
        String[] shards = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
        try (SafeTensorsFile whole = SafeTensorsFile.open(tiny("sd1/text_encoder/model.safetensors"))) {
            for (int i = 0; i < 2; i++) {
                boolean first = i == 0;
                TestFiles.rewrite(whole, text.resolve(shards[i]), n -> n.contains("layers.") == first ? n : null, Map.of());
            }
            whole.names().forEach(n -> weightMap.put(n, shards[n.contains("layers.") ? 0 : 1]));
        }
        Files.delete(text.resolve("model.safetensors"));
        TestFiles.writeJson(text.resolve("model.safetensors.index.json"), Map.of("weight_map", weightMap));

        List<String> shardPaths = List.of("text_encoder/" + shards[0], "text_encoder/" + shards[1]);
        List<String> plainUsed = concat(List.of("unet/diffusion_pytorch_model.safetensors",
                "vae/diffusion_pytorch_model.safetensors"), shardPaths);
        List<String> fp16Used = concat(List.of("unet/diffusion_pytorch_model.fp16.safetensors",
                "vae/diffusion_pytorch_model.safetensors"), shardPaths);
        ModelHash hasher = cachedIn("cache");
        try (ModelFiles plain = ModelLocator.open(dir.toString());
             ModelFiles fp16 = ModelLocator.open(dir, ModelOptions.DEFAULT.withVariant("fp16"))) {
            assertEquals(plainUsed.stream().map(p -> dir.resolve(p).toAbsolutePath().normalize()).sorted().toList(),
                    plain.weightFiles().stream().sorted().toList());
            assertEquals(expectedManifestHash(dir, plainUsed), hasher.of(plain));
            assertEquals(expectedManifestHash(dir, fp16Used), hasher.of(fp16));
            assertNotEquals(hasher.of(plain), hasher.of(fp16), "the manifest names the file, not only its bytes");
        }
    }

    @Test
    void aCachedHashServesWhileSizeAndTimeHoldAndIsRecomputedWhenEitherChanges() throws Exception {
        Path file = Files.writeString(tmp.resolve("model.safetensors"), "abc");
        FileTime time = FileTime.fromMillis(1_700_000_000_123L);
        Files.setLastModifiedTime(file, time);
        Path cacheFile = tmp.resolve("cache").resolve(ModelHash.CACHE_FILE_NAME);
        assertEquals(ABC, new ModelHash(cacheFile).ofFile(file));
        String cache = Files.readString(cacheFile);
        assertTrue(cache.startsWith(ABC + "\t3\t1700000000123000000\t" + file.toRealPath() + "\n"), cache);

        // other bytes, same size and time: the (now stale) cached hash comes back, so the file was not read
        Files.writeString(file, "xyz");
        Files.setLastModifiedTime(file, time);
        assertEquals(ABC, new ModelHash(cacheFile).ofFile(file), "a new hasher reads the cache file");
        assertEquals(expectedSha256(file), new ModelHash(null).ofFile(file), "without a cache it reads the file");

        Files.setLastModifiedTime(file, FileTime.fromMillis(time.toMillis() + 1));
        String xyz = expectedSha256(file);
        assertNotEquals(ABC, xyz);
        assertEquals(xyz, new ModelHash(cacheFile).ofFile(file), "a touched file is hashed again");
        Files.writeString(file, "abcd");
        Files.setLastModifiedTime(file, time);
        assertEquals(expectedSha256(file), new ModelHash(cacheFile).ofFile(file), "another size is hashed again");

        Path other = Files.writeString(tmp.resolve("other.ckpt"), "");
        assertEquals(EMPTY, new ModelHash(cacheFile).ofFile(other));
        assertEquals(2, Files.readAllLines(cacheFile).size(), "one line per file, replaced when stale");
        try (Stream<Path> left = Files.list(cacheFile.getParent())) {
            assertEquals(List.of(cacheFile), left.toList(), "no temp files left behind");
        }
    }

    @Test
    void aCacheThatCannotBeWrittenOrReadStillGivesTheHash() throws Exception {
        Path file = Files.writeString(tmp.resolve("model.safetensors"), "abc");
        Path notAFolder = Files.writeString(tmp.resolve("plain-file"), "x");
        ModelHash unwritable = new ModelHash(notAFolder.resolve(ModelHash.CACHE_FILE_NAME));
        assertEquals(ABC, unwritable.ofFile(file));
        assertEquals(ABC, unwritable.ofFile(file));

        Path damaged = tmp.resolve("damaged").resolve(ModelHash.CACHE_FILE_NAME);
        Files.createDirectories(damaged.getParent());
        Files.write(damaged, new byte[] {'x', '\t', (byte) 0xff, '\n', 'g', 'a', 'r', 'b', 'a', 'g', 'e'});
        assertEquals(ABC, new ModelHash(damaged).ofFile(file));
        assertEquals(ABC, new ModelHash(damaged).ofFile(file), "the damaged cache was replaced by a good one");
        assertTrue(Files.readString(damaged).startsWith(ABC + "\t3\t"));
    }

    @Test
    void theModelIsHashedOnFirstUseOnlyAndThenKept() throws Exception {
        Path file = tmp.resolve("model.safetensors");
        Files.copy(tiny("sd1.safetensors"), file);
        String want = expectedSha256(file);
        Supplier<String> neverAsked;
        Supplier<String> asked;
        try (ModelFiles model = openSingle(file, tiny("sd1.safetensors"))) {
            neverAsked = ModelHash.onFirstUse(model);
            asked = ModelHash.onFirstUse(model);
            assertEquals(want, asked.get());
        }
        Files.delete(file);
        assertEquals(want, asked.get(), "kept, not hashed again");
        assertNull(neverAsked.get(), "opening the model did not hash it; a file that is gone gives no hash");
    }

    @Test
    void theCacheFolderComesFromThePropertySdijCacheXdgOrHome() {
        Map<String, String> env = Map.of("SDIJ_CACHE", "/env/sdij", "XDG_CACHE_HOME", "/xdg");
        assertEquals(Path.of("/prop"), ModelHash.defaultCacheDir("/prop", env, "/home/u"));
        assertEquals(Path.of("/env/sdij"), ModelHash.defaultCacheDir(null, env, "/home/u"));
        assertEquals(Path.of("/xdg/sd-ij"), ModelHash.defaultCacheDir(" ", Map.of("XDG_CACHE_HOME", "/xdg"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/sd-ij"), ModelHash.defaultCacheDir(null, Map.of(), "/home/u"));
        String property = System.getProperty(ModelHash.CACHE_DIR_PROPERTY);
        if (property != null) assertEquals(Path.of(property, ModelHash.CACHE_FILE_NAME), ModelHash.defaultCacheFile());
    }

    /** A tiny single file, with the configs of its folder (the tiny widths fit no preset). */
    private static ModelFiles openSingle(Path file, Path tinyFile) throws IOException {
        Path configs = tinyFile.resolveSibling(tinyFile.getFileName().toString().replace(".safetensors", ""));
        return ModelLocator.open(file, ModelOptions.DEFAULT.withConfigFolder(configs));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }
}
