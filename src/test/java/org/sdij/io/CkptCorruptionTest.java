package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdij.io.Checkpoints.f32;
import static org.sdij.io.Checkpoints.storages;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zips and storages that lie, are cut short or are damaged: each a WeightFormatException naming the problem. */
class CkptCorruptionTest {

    @TempDir
    Path dir;

    private static WeightFormatException refused(Path file, String... fragments) {
        var e = assertThrows(WeightFormatException.class, () -> CkptFile.open(file).close());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "no '" + f + "' in: " + e.getMessage());
        return e;
    }

    private static byte[] typical() {
        return Checkpoints.zip("archive", CkptFileTest.lightningPickle().bytes(), CkptFileTest.typicalStorages()).bytes();
    }

    @Test
    void refusesAnEntryClaimingMoreBytesThanTheFileHas() throws IOException {
        ZipWriter zip = Checkpoints.zip("archive", CkptFileTest.lightningPickle().bytes(), CkptFileTest.typicalStorages());
        refused(Checkpoints.write(dir, "lying.ckpt", zip.claimSize("archive/data/4", 4_000_000_000L)),
                "'archive/data/4'", "claiming 4000000000 bytes");
        refused(Checkpoints.write(dir, "lying64.ckpt", Checkpoints.zip("archive", CkptFileTest.lightningPickle().bytes(),
                CkptFileTest.typicalStorages()).zip64().claimSize("archive/data/0", Long.MAX_VALUE)), "'archive/data/0'");
    }

    @Test
    void refusesAnEntryWhoseClaimedSizeRunsIntoTheNextEntry() throws IOException {
        ZipWriter zip = Checkpoints.zip("archive", CkptFileTest.lightningPickle().bytes(), CkptFileTest.typicalStorages());
        refused(Checkpoints.write(dir, "overrun.ckpt", zip.claimSize("archive/data.pkl", 2000)),
                "'archive/data.pkl'", "run into entry");
    }

    @Test
    void refusesAStorageSmallerThanItsTensor() throws IOException {
        // the zip entry holds 5 floats where the pickle declares 6
        ZipWriter zip = Checkpoints.zip("archive", CkptFileTest.lightningPickle().bytes(), CkptFileTest.typicalStorages());
        refused(Checkpoints.write(dir, "short-entry.ckpt", zip.claimSize("archive/data/0", 20)),
                "storage '0'", "tensor 'a", "holds only 20 bytes");

        // the pickle declares 4 elements, but the view reads up to element 9
        PickleWriter p = new PickleWriter().proto(2).emptyDict().str("sliced")
                .tensor("FloatStorage", "0", 4, 1, new long[] {2, 2}, new long[] {5, 2}).setItem().stop();
        refused(Checkpoints.ckpt(dir, "short-storage.ckpt", p, storages("0", f32(new float[10]))),
                "tensor 'sliced'", "up to 9", "holds only 4");

        // a storage offset past the end
        p = new PickleWriter().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "0", 2, 2, new long[] {1}, new long[] {1}).setItem().stop();
        refused(Checkpoints.ckpt(dir, "offset.ckpt", p, storages("0", f32(1, 2))), "tensor 'w'");

        // sizes whose product overflows a long
        p = new PickleWriter().proto(2).emptyDict().str("huge").tensor("FloatStorage", "0", 2, 0,
                new long[] {1L << 40, 1L << 40}, new long[] {0, 0}).setItem().stop();
        refused(Checkpoints.ckpt(dir, "overflow.ckpt", p, storages("0", f32(1, 2))), "tensor 'huge'", "too large");

        // a storage the zip does not hold
        p = new PickleWriter().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "7", 2, 0, new long[] {2}, new long[] {1}).setItem().stop();
        refused(Checkpoints.ckpt(dir, "missing.ckpt", p, storages("0", f32(1, 2))), "tensor 'w'", "storage '7'");
    }

    @Test
    void refusesEveryTruncationOfAValidCheckpoint() throws IOException {
        byte[] whole = typical();
        Path file = dir.resolve("cut.ckpt");
        for (int length = 0; length < whole.length; length++) {
            Files.write(file, Arrays.copyOf(whole, length));
            refused(file);
        }
    }

    @Test
    void refusesFilesThatAreNotTorchZips() throws IOException {
        refused(Checkpoints.write(dir, "legacy.pt", new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10}), "legacy");
        refused(Checkpoints.write(dir, "text.ckpt", "just some text, long enough to look for a zip end record"
                .getBytes(StandardCharsets.UTF_8)), "no zip end record");
        refused(Checkpoints.write(dir, "nopickle.ckpt", new ZipWriter().add("archive/version", new byte[] {'3'})),
                "data.pkl");
        byte[] pickle = CkptFileTest.lightningPickle().bytes();
        refused(Checkpoints.write(dir, "two.ckpt", new ZipWriter().add("a/data.pkl", pickle).add("b/data.pkl", pickle)),
                "more than one data.pkl");
        refused(Checkpoints.write(dir, "dup.ckpt", new ZipWriter().add("a/data.pkl", pickle).add("a/data.pkl", pickle)),
                "two entries named 'a/data.pkl'");
        PickleWriter list = new PickleWriter().proto(2).emptyList().stop();
        refused(Checkpoints.ckpt(dir, "list.ckpt", list, storages()), "not a dict");
    }

    @Test
    void refusesDeflatedEntriesThatDoNotInflateToTheirClaimedSize() throws IOException {
        byte[] pickle = CkptFileTest.lightningPickle().bytes();
        refused(Checkpoints.write(dir, "deflate-lie.ckpt",
                new ZipWriter().addDeflated("archive/data.pkl", pickle).claimInflatedSize("archive/data.pkl", 20_000)),
                "'archive/data.pkl'", "does not inflate to the 20000 bytes");
        refused(Checkpoints.write(dir, "bomb.ckpt", new ZipWriter().addDeflated("archive/data.pkl", pickle)
                .claimInflatedSize("archive/data.pkl", 4_000_000_000L)), "'archive/data.pkl'", "claiming to inflate");
    }

    /**
     * Single damaged bytes anywhere: opening and loading every tensor either works (the byte was tensor
     * data or padding) or ends in a WeightFormatException; never another exception, a crash or a hang.
     */
    @Test
    void randomByteDamageNeverEscapesAsAnotherException() throws IOException {
        byte[] whole = typical();
        Random random = new Random(20240611);
        Path file = dir.resolve("damaged.ckpt");
        int opened = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 1500; trial++) {
                byte[] damaged = whole.clone();
                int hits = 1 + random.nextInt(3);
                for (int h = 0; h < hits; h++) damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
                Files.write(file, damaged);
                try (CkptFile ckpt = CkptFile.open(file)) {
                    for (String name : ckpt.names()) ckpt.load(name, manager).close();
                    opened++;
                } catch (WeightFormatException expected) {
                    // the point of the test
                } catch (Throwable t) {
                    throw new AssertionError("trial " + trial + " escaped as " + t, t);
                }
            }
        }
        assertTrue(opened > 0 && opened < 1500, "some damage is harmless, some is caught: " + opened);
    }
}
