package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdij.io.Checkpoints.bf16Bits;
import static org.sdij.io.Checkpoints.f32;
import static org.sdij.io.Checkpoints.f64;
import static org.sdij.io.Checkpoints.i64;
import static org.sdij.io.Checkpoints.storages;
import static org.sdij.io.Checkpoints.u16;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading well-formed checkpoints: every dtype, views, nesting, and the zip variants torch may write. */
class CkptFileTest {

    @TempDir
    Path dir;

    static final float[] A = {-1f, -0.5f, 0f, 0.5f, 1f, 1.5f};
    static final float[] BF = {1f, -3.140625f, 0x1.8p-10f};
    static final float[] SLICED_STORAGE = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90};
    static final long[] STEPS = {-7, 0, 1L << 40, Long.MAX_VALUE};

    /** Storages of the typical fixture, keyed as torch keys them. */
    static Map<String, byte[]> typicalStorages() {
        return storages(
                "0", f32(A),
                "1", u16(Checkpoints.HALF_BITS),
                "2", u16(bf16Bits(BF)),
                "3", i64(STEPS),
                "4", f32(SLICED_STORAGE),
                "5", f64(0.1, -2.75),
                "6", i64(42));
    }

    /** The tensors of the typical fixture, written into the open dict on top of the stack. */
    static void typicalTensors(PickleWriter p) {
        p.mark();
        p.str("a").tensor("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {3, 1});
        p.str("a_t").tensor("FloatStorage", "0", 6, 0, new long[] {3, 2}, new long[] {1, 3}); // a.t(), shares storage
        p.str("half").tensor("HalfStorage", "1", 8, 2, new long[] {2, 2}, new long[] {2, 1}); // storage offset 2
        p.str("bf").parameter("BFloat16Storage", "2", 3, new long[] {3});
        p.str("steps").tensor("LongStorage", "3", 4, 0, new long[] {2, 2}, new long[] {2, 1});
        p.str("sliced").tensor("FloatStorage", "4", 10, 1, new long[] {2, 2}, new long[] {5, 2}); // x.view(2,5)[:,1::2]
        p.str("double").tensor("DoubleStorage", "5", 2, 0, new long[] {2}, new long[] {1});
        p.str("num_batches_tracked").tensor("LongStorage", "6", 1, 0, new long[] {}, new long[] {});
        p.setItems();
    }

    /** {"state_dict": OrderedDict(typical tensors), "global_step": 123, "epoch": 4}. */
    static PickleWriter lightningPickle() {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().put().mark();
        p.str("state_dict").orderedDict().put();
        typicalTensors(p);
        p.str("global_step").integer(123).str("epoch").integer(4).str("lr").binFloat(1e-4);
        return p.setItems().stop();
    }

    @Test
    void readsEveryDtypeContiguousOffsetAndStridedViews() throws IOException {
        Path file = Checkpoints.ckpt(dir, "typical.ckpt", lightningPickle(), typicalStorages());
        try (CkptFile ckpt = CkptFile.open(file); NDManager manager = NDManager.newBaseManager()) {
            checkTypicalTensors(ckpt, manager);
        }
    }

    static void checkTypicalTensors(TensorSource ckpt, NDManager manager) throws IOException {
        assertEquals(Set.of("a", "a_t", "half", "bf", "steps", "sliced", "double", "num_batches_tracked"), ckpt.names());
        assertEquals(DType.F32, ckpt.info("a").dtype());
        assertArrayEquals(new long[] {3, 2}, ckpt.info("a_t").shape());
        assertArrayEquals(A, floats(ckpt, "a", manager));
        assertArrayEquals(new float[] {-1f, 0.5f, -0.5f, 1f, 0f, 1.5f}, floats(ckpt, "a_t", manager));

        NDArray half = ckpt.load("half", manager);
        assertEquals(DataType.FLOAT16, half.getDataType());
        float[] h = Checkpoints.HALF_VALUES;
        assertArrayEquals(new float[] {h[2], h[3], h[4], h[5]}, half.toType(DataType.FLOAT32, false).toFloatArray());

        NDArray bf = ckpt.load("bf", manager);
        assertEquals(DataType.FLOAT32, bf.getDataType(), "bfloat16 comes widened to float32");
        assertArrayEquals(BF, bf.toFloatArray());

        NDArray steps = ckpt.load("steps", manager);
        assertEquals(DataType.INT64, steps.getDataType());
        assertArrayEquals(STEPS, steps.toLongArray());
        assertArrayEquals(new float[] {10, 30, 60, 80}, floats(ckpt, "sliced", manager));
        assertArrayEquals(new float[] {0.1f, -2.75f}, floats(ckpt, "double", manager));
        NDArray scalar = ckpt.load("num_batches_tracked", manager);
        assertEquals(0, scalar.getShape().dimension());
        assertEquals(42L, scalar.getLong());
    }

    private static float[] floats(TensorSource source, String name, NDManager manager) throws IOException {
        return source.load(name, manager).toFloatArray();
    }

    @Test
    void contiguousTensorsAreMappedNotCopied() throws IOException {
        Path file = Checkpoints.ckpt(dir, "typical.ckpt", lightningPickle(), typicalStorages());
        try (CkptFile ckpt = CkptFile.open(file)) {
            ByteBuffer half = ckpt.bytes("half");
            assertTrue(half.isReadOnly() && half.isDirect(), "a contiguous stored tensor is a read-only mapping");
            assertEquals(ByteOrder.LITTLE_ENDIAN, half.order());
            short[] bits = new short[4];
            half.asShortBuffer().get(bits);
            for (int i = 0; i < 4; i++) assertEquals(Checkpoints.HALF_BITS[i + 2], bits[i] & 0xffff);
            assertFalse(ckpt.bytes("a_t").isReadOnly(), "a strided view is copied");
        }
    }

    @Test
    void exposesTheStateDictAndTheTopLevelScalars() throws IOException {
        Path file = Checkpoints.ckpt(dir, "lightning.ckpt", lightningPickle(), typicalStorages());
        try (CkptFile ckpt = CkptFile.open(file)) {
            assertEquals(123L, ckpt.globalStep().orElseThrow());
            assertEquals(Map.of("global_step", "123", "epoch", "4", "lr", "1.0E-4"), ckpt.metadata());
            assertNull(ckpt.info("state_dict.a"));
            assertEquals(file.toString(), ckpt.origin());
        }
    }

    @Test
    void descendsIntoNestedStateDictsAndIgnoresTheRest() throws IOException {
        // {"state_dict": {"state_dict": {...}, "optimizer_states": [...]}, "other": tensor}
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark();
        p.str("state_dict").emptyDict().mark();
        p.str("state_dict").orderedDict();
        typicalTensors(p);
        p.str("optimizer_states").emptyList().mark().emptyDict().none().appends();
        p.setItems();
        p.str("other").tensor("FloatStorage", "0", 6, 0, new long[] {6}, new long[] {1});
        p.setItems().stop();
        Path file = Checkpoints.ckpt(dir, "nested.ckpt", p, typicalStorages());
        try (CkptFile ckpt = CkptFile.open(file); NDManager manager = NDManager.newBaseManager()) {
            checkTypicalTensors(ckpt, manager);
            assertTrue(ckpt.globalStep().isEmpty());
        }
    }

    @Test
    void withoutStateDictKeepsTopLevelTensorsAndJoinsNestedNames() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).orderedDict().mark();
        p.str("w").tensor("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {3, 1});
        p.str("ema").emptyDict().str("w").tensor("FloatStorage", "0", 6, 3, new long[] {3}, new long[] {1}).setItem();
        p.str("epoch").integer(9);
        p.setItems().stop();
        Path file = Checkpoints.ckpt(dir, "plain.pt", p, storages("0", f32(A)));
        try (CkptFile ckpt = CkptFile.open(file); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(Set.of("w", "ema.w"), ckpt.names());
            assertArrayEquals(new float[] {0.5f, 1f, 1.5f}, ckpt.load("ema.w", manager).toFloatArray());
            assertEquals("9", ckpt.metadata().get("epoch"));
        }
    }

    @Test
    void readsZip64DeflatedAndOddlyNamedLayouts() throws IOException {
        byte[] pickle = lightningPickle().bytes();
        Map<String, ZipWriter> variants = Map.of(
                "zip64", Checkpoints.zip("archive", pickle, typicalStorages()).zip64(),
                "top dir named after the file", Checkpoints.zip("v1-5-pruned-emaonly", pickle, typicalStorages()),
                "deflated", deflatedZip(pickle));
        for (var v : variants.entrySet()) {
            Path file = Checkpoints.write(dir, "variant.ckpt", v.getValue());
            try (CkptFile ckpt = CkptFile.open(file); NDManager manager = NDManager.newBaseManager()) {
                checkTypicalTensors(ckpt, manager);
                assertEquals(123L, ckpt.globalStep().orElseThrow(), v.getKey());
            }
        }
    }

    private static ZipWriter deflatedZip(byte[] pickle) {
        ZipWriter zip = new ZipWriter().addDeflated("archive/data.pkl", pickle);
        typicalStorages().forEach((key, data) -> zip.addDeflated("archive/data/" + key, data));
        return zip;
    }

    @Test
    void readsBigEndianCheckpoints() throws IOException {
        Map<String, byte[]> swapped = new java.util.LinkedHashMap<>();
        int[] elementBytes = {4, 2, 2, 8, 4, 8, 8};
        int i = 0;
        for (var e : typicalStorages().entrySet()) swapped.put(e.getKey(), reverseEach(e.getValue(), elementBytes[i++]));
        ZipWriter zip = Checkpoints.zip("archive", lightningPickle().bytes(), swapped)
                .add("archive/byteorder", "big".getBytes());
        Path file = Checkpoints.write(dir, "big.ckpt", zip);
        try (CkptFile ckpt = CkptFile.open(file); NDManager manager = NDManager.newBaseManager()) {
            checkTypicalTensors(ckpt, manager);
        }
    }

    private static byte[] reverseEach(byte[] data, int elementBytes) {
        byte[] out = new byte[data.length];
        for (int e = 0; e < data.length; e += elementBytes) {
            for (int b = 0; b < elementBytes; b++) out[e + b] = data[e + elementBytes - 1 - b];
        }
        return out;
    }

    /** Lightning's ModelCheckpoint class as a dict key and a numpy scalar in its state: inert, and no tensors. */
    @Test
    void acceptsLightningCallbackStateAsInertData() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark();
        p.str("state_dict").orderedDict();
        typicalTensors(p);
        p.str("callbacks").emptyDict()
                .global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint")
                .emptyDict().str("best_model_score")
                .global("numpy.core.multiarray", "scalar")
                .global("numpy", "dtype").str("f8").bool(false).bool(true).op(0x87).reduce()
                .mark().integer(3).str("<").none().none().none().integer(-1).integer(-1).integer(0).tuple().build()
                .global("_codecs", "encode").str("\u0000\u0000\u0000\u0000\u0000\u0000\u00f0?").str("latin1")
                .op(0x86).reduce().op(0x86).reduce()
                .setItem().setItem();
        p.str("global_step").integer(5).setItems().stop();
        Path file = Checkpoints.ckpt(dir, "lightning-callbacks.ckpt", p, typicalStorages());
        try (CkptFile ckpt = CkptFile.open(file); NDManager manager = NDManager.newBaseManager()) {
            checkTypicalTensors(ckpt, manager);
            assertEquals(5L, ckpt.globalStep().orElseThrow());
        }
    }

    /** Files torch 1.13 itself wrote (see make_torch_fixtures.py beside them): the same tensors as above. */
    @Test
    void readsCheckpointsWrittenByTorch() throws Exception {
        for (String name : new String[] {"torch113_lightning.ckpt", "torch113_protocol4.ckpt"}) {
            Path file = Path.of(CkptFileTest.class.getResource("ckpt/" + name).toURI());
            try (CkptFile ckpt = CkptFile.open(file); NDManager manager = NDManager.newBaseManager()) {
                checkTypicalTensors(ckpt, manager);
                assertEquals(Map.of("global_step", "123", "epoch", "4", "lr", "1.0E-4"), ckpt.metadata(), name);
            }
        }
        Path withCallbacks = Path.of(CkptFileTest.class.getResource("ckpt/torch113_lightning_callbacks.ckpt").toURI());
        try (CkptFile ckpt = CkptFile.open(withCallbacks); NDManager manager = NDManager.newBaseManager()) {
            checkTypicalTensors(ckpt, manager);
            assertEquals("1.4.2", ckpt.metadata().get("pytorch-lightning_version"));
        }
        Path legacy = Path.of(CkptFileTest.class.getResource("ckpt/torch113_legacy.pt").toURI());
        var e = org.junit.jupiter.api.Assertions.assertThrows(WeightFormatException.class, () -> CkptFile.open(legacy));
        assertTrue(e.getMessage().contains("legacy (pre-1.6) format"), e.getMessage());
    }
}
