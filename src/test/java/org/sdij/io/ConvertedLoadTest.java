package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TensorSource#load(String, NDManager, DataType)}: F32 tensors read as float16 and F16 ones as float32
 * give exactly what converting the mapped tensor gives, piece by piece as in one go, from safetensors and
 * checkpoint files, and leave no mapping of the file behind.
 */
class ConvertedLoadTest {

    @TempDir
    Path dir;

    /** Values that float16 rounds, flushes to subnormals, overflows, or keeps exactly. */
    static final float[] SINGLES = {0.1f, 1f / 3, -2.7182817f, 1e-5f, 7e-8f, 70000f, -65504f, 0.5f, 1234.567f, -0f,
            3.14159265f, 6e-5f};

    private Path twoTensorFile() throws IOException {
        Path file = dir.resolve("two.safetensors");
        SafeTensorsWriter.write(file, List.of(new TensorInfo("single", DType.F32, new long[] {3, 4}),
                new TensorInfo("half", DType.F16, new long[] {8})), (info, out) -> {
                    if (info.dtype() == DType.F32) {
                        for (float v : SINGLES) out.putFloat(v);
                    } else {
                        for (int bits : Checkpoints.HALF_BITS) out.putShort((short) bits);
                    }
                });
        return file;
    }

    /** What converting the mapped tensor with torch gives, as float32 values. */
    private static float[] convertedFromMapping(TensorSource source, String name, DataType type, NDManager m)
            throws IOException {
        try (NDArray mapped = source.load(name, m); NDArray converted = mapped.toType(type, false)) {
            return converted.toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    private static float[] values(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    @Test
    void safetensorsConversionsEqualConvertingTheMappedTensor() throws IOException {
        try (SafeTensorsFile file = SafeTensorsFile.open(twoTensorFile()); NDManager m = NDManager.newBaseManager()) {
            NDArray half = file.load("single", m, DataType.FLOAT16);
            assertEquals(DataType.FLOAT16, half.getDataType());
            assertArrayEquals(new long[] {3, 4}, half.getShape().getShape());
            assertArrayEquals(convertedFromMapping(file, "single", DataType.FLOAT16, m), values(half));

            NDArray single = file.load("half", m, DataType.FLOAT32);
            assertEquals(DataType.FLOAT32, single.getDataType());
            assertArrayEquals(Checkpoints.HALF_VALUES, single.toFloatArray());

            NDArray same = file.load("single", m, DataType.FLOAT32);
            assertEquals(DataType.FLOAT32, same.getDataType());
            assertArrayEquals(SINGLES, same.toFloatArray());
        }
    }

    @Test
    void aTensorReadInManySmallPiecesEqualsOneConversion() throws IOException {
        Path path = twoTensorFile();
        try (SafeTensorsFile file = SafeTensorsFile.open(path); NDManager m = NDManager.newBaseManager();
             FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            float[] want = convertedFromMapping(file, "single", DataType.FLOAT16, m);
            long dataStart = Files.size(path) - 12 * 4 - 8 * 2;
            for (int pieceElements : new int[] {1, 5, 12, 64}) {
                ByteBuffer scratch = ByteBuffer.allocateDirect(4 * pieceElements);
                NDArray half = TensorBytes.readConverted(channel, dataStart, file.info("single"), DataType.FLOAT16,
                        m, scratch);
                assertArrayEquals(want, values(half), pieceElements + " elements a piece");
            }
        }
    }

    @Test
    void aConvertedTensorLeavesNoMappingOfTheFile() throws IOException {
        Path path = twoTensorFile();
        try (SafeTensorsFile file = SafeTensorsFile.open(path); NDManager m = NDManager.newBaseManager()) {
            NDArray half = file.load("single", m, DataType.FLOAT16);
            NDArray single = file.load("half", m, DataType.FLOAT32);
            assertEquals(0, mappingsOf(path), "converted tensors are read, not mapped");
            NDArray mapped = file.load("single", m, DataType.FLOAT32);
            assertTrue(mappingsOf(path) > 0, "the check sees a mapping when there is one");
            assertEquals(12 + 8 + 12, half.size() + single.size() + mapped.size());
        }
    }

    private static long mappingsOf(Path file) throws IOException {
        String name = file.toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith(name)).count();
    }

    @Test
    void checkpointConversionsEqualConvertingTheLoadedTensor() throws IOException {
        Path path = Checkpoints.ckpt(dir, "typical.ckpt", CkptFileTest.lightningPickle(),
                CkptFileTest.typicalStorages());
        try (CkptFile ckpt = CkptFile.open(path); NDManager m = NDManager.newBaseManager()) {
            for (String name : new String[] {"a", "a_t", "sliced"}) { // contiguous, transposed, strided
                NDArray half = ckpt.load(name, m, DataType.FLOAT16);
                assertEquals(DataType.FLOAT16, half.getDataType(), name);
                assertArrayEquals(ckpt.info(name).shape(), half.getShape().getShape(), name);
                assertArrayEquals(convertedFromMapping(ckpt, name, DataType.FLOAT16, m), values(half), name);
            }
            NDArray single = ckpt.load("half", m, DataType.FLOAT32); // F16 at a storage offset
            assertEquals(DataType.FLOAT32, single.getDataType());
            float[] h = Checkpoints.HALF_VALUES;
            assertArrayEquals(new float[] {h[2], h[3], h[4], h[5]}, single.toFloatArray());
            assertEquals(DataType.INT64, ckpt.load("steps", m, DataType.FLOAT16).getDataType(), "integers stay");
            assertEquals(DataType.FLOAT16, ckpt.load("bf", m, DataType.FLOAT16).getDataType(), "bfloat16 too");
        }
    }

    @Test
    void renamedSourcesConvertBeforeTheirTransform() throws IOException {
        try (SafeTensorsFile file = SafeTensorsFile.open(twoTensorFile()); NDManager m = NDManager.newBaseManager()) {
            var renamed = new RenamedSource(file, java.util.Map.of(
                    "middle", new RenamedSource.Mapping("single", new RenamedSource.RowBlock(1, 3))));
            NDArray middle = renamed.load("middle", m, DataType.FLOAT16);
            assertEquals(DataType.FLOAT16, middle.getDataType());
            float[] all = convertedFromMapping(file, "single", DataType.FLOAT16, m);
            assertArrayEquals(java.util.Arrays.copyOfRange(all, 4, 8), values(middle));
            NDArray plain = renamed.load("middle", m, DataType.FLOAT32);
            assertArrayEquals(java.util.Arrays.copyOfRange(SINGLES, 4, 8), plain.toFloatArray());
            assertSame(DataType.FLOAT32, plain.getDataType());
        }
    }
}
