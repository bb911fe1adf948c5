package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.random.TorchGenerator;

/** The safetensors reader on the reference goldens, on files written here, and on every kind of bad header. */
@Tag("golden")
class SafeTensorsFileTest {

    @TempDir
    Path dir;

    /** 8-byte little-endian header length, the JSON header, the data. */
    static byte[] safetensors(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).put(data).array();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private static void refused(Path file, String... fragments) {
        var e = assertThrows(WeightFormatException.class, () -> SafeTensorsFile.open(file).close());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "no '" + f + "' in: " + e.getMessage());
    }

    /** Every randn tensor cases.json lists: shape and first values, bit for bit. */
    @Test
    void readsTheRandomGoldensExactly() throws IOException {
        JsonObject cases = JsonParser.parseString(Files.readString(Reference.resolve("random/cases.json")))
                .getAsJsonObject();
        int checked = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (JsonElement fileCase : cases.getAsJsonArray("randn_files")) {
                String fileName = fileCase.getAsJsonObject().get("file").getAsString();
                try (SafeTensorsFile file = SafeTensorsFile.open(Reference.resolve("random/" + fileName))) {
                    assertEquals(cases.get("torch_version").getAsString(), file.metadata().get("torch"), fileName);
                    for (JsonElement t : fileCase.getAsJsonObject().getAsJsonArray("tensors")) {
                        String key = t.getAsJsonObject().get("key").getAsString();
                        long[] shape = longs(t.getAsJsonObject().get("shape"));
                        float[] first = floats(t.getAsJsonObject().get("first4"));
                        assertArrayEquals(shape, file.info(key).shape(), fileName + " " + key);
                        NDArray loaded = file.load(key, manager);
                        assertEquals(DataType.FLOAT32, loaded.getDataType());
                        assertArrayEquals(first, Arrays.copyOf(loaded.toFloatArray(), first.length), fileName + " " + key);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 0, "cases.json lists no randn tensors");
    }

    /** The first randn file cases.json lists, found through the reference directory: every tensor, the last one's values. */
    @Test
    void readsARandnFileThroughTheReferenceDirectory() throws IOException {
        JsonObject cases = JsonParser.parseString(Files.readString(Reference.resolve("random/cases.json")))
                .getAsJsonObject();
        assertTrue(cases.getAsJsonArray("randn_files").size() > 0, "cases.json lists no randn files");
        JsonObject first = cases.getAsJsonArray("randn_files").get(0).getAsJsonObject();
        JsonArray tensors = first.getAsJsonArray("tensors");
        JsonObject last = tensors.get(tensors.size() - 1).getAsJsonObject();
        JsonArray firstValues = last.getAsJsonArray("first4");
        try (SafeTensorsFile file = SafeTensorsFile.open(Reference.resolve("random/" + first.get("file").getAsString()));
             NDManager manager = NDManager.newBaseManager()) {
            assertEquals(tensors.size(), file.names().size());
            float[] values = file.load(last.get("key").getAsString(), manager).toFloatArray();
            int i = firstValues.size() - 1;
            assertEquals(firstValues.get(i).getAsFloat(), values[i]);
        }
    }

    /**
     * cases.json records how far torch's float64 draws lie from its float32 draws after a cast to float32;
     * reading the F64 tensors (narrowed to float32 on load) must reproduce those distances.
     */
    @Test
    void narrowsFloat64AsTorchCasts() throws IOException {
        JsonObject cases = JsonParser.parseString(Files.readString(Reference.resolve("random/cases.json")))
                .getAsJsonObject();
        int checked = 0;
        try (NDManager manager = NDManager.newBaseManager();
             SafeTensorsFile extras = SafeTensorsFile.open(Reference.resolve("random/extras.safetensors"))) {
            for (JsonElement c : cases.getAsJsonArray("checks")) {
                String check = c.getAsJsonObject().get("check").getAsString();
                if (!check.startsWith("randn_f64_") || !c.getAsJsonObject().has("max_abs_diff")) continue;
                String key = check.substring(0, check.indexOf(':'));
                assertEquals(DType.F64, extras.info(key).dtype());
                JsonObject how = cases.getAsJsonObject("extras").getAsJsonObject(key);
                long[] shape = longs(how.get("shape"));
                // torch's float32 draw of the same seed and shape: TorchGenerator, bit-exact (TorchGeneratorTest)
                float[] draw = new TorchGenerator(TorchGenerator.parseSeed(how.get("seed").getAsString())).randn(shape);
                NDArray narrowed = extras.load(key, manager);
                assertEquals(DataType.FLOAT32, narrowed.getDataType());
                float diff = narrowed.sub(manager.create(draw, new Shape(shape))).abs().max().getFloat();
                assertEquals(c.getAsJsonObject().get("max_abs_diff").getAsFloat(), diff, 1e-6f, key);
                checked++;
            }
        }
        assertTrue(checked > 0, "cases.json has no float64 checks");
    }

    @Test
    void roundTripsHalfAndBfloat16() throws IOException {
        float[] bf = {1f, -3.140625f, 0x1.8p-10f, -65536f, 0x1p-126f};
        byte[] data = ByteBuffer.allocate(26).array();
        System.arraycopy(Checkpoints.u16(Checkpoints.HALF_BITS), 0, data, 0, 16);
        System.arraycopy(Checkpoints.u16(Checkpoints.bf16Bits(bf)), 0, data, 16, 10);
        Path file = write("halves.safetensors", safetensors("{\"h\":{\"dtype\":\"F16\",\"shape\":[2,4],\"data_offsets\":"
                + "[0,16]},\"b\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[16,26]},\"__metadata__\":"
                + "{\"format\":\"pt\"}}", data));
        try (SafeTensorsFile st = SafeTensorsFile.open(file); NDManager manager = NDManager.newBaseManager()) {
            assertEquals("pt", st.metadata().get("format"));
            NDArray h = st.load("h", manager);
            assertEquals(DataType.FLOAT16, h.getDataType());
            assertArrayEquals(new long[] {2, 4}, h.getShape().getShape());
            assertArrayEquals(Checkpoints.HALF_VALUES, h.toType(DataType.FLOAT32, false).toFloatArray());
            NDArray b = st.load("b", manager);
            assertEquals(DataType.FLOAT32, b.getDataType());
            assertArrayEquals(bf, b.toFloatArray());
        }
    }

    private static final String GOOD_HEADER =
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}";

    @Test
    void refusesTruncatedFiles() throws IOException {
        refused(write("tiny.safetensors", new byte[5]), "5 bytes long", "truncated");
        byte[] whole = safetensors(GOOD_HEADER, new byte[24]);
        SafeTensorsFile.open(write("whole.safetensors", whole)).close();
        for (int length = 0; length < whole.length; length++) {
            refused(write("cut.safetensors", Arrays.copyOf(whole, length)));
        }
        refused(write("cut-data.safetensors", Arrays.copyOf(whole, whole.length - 4)), "tensor 'b'", "truncated");
    }

    @Test
    void refusesImpossibleHeaderLengths() throws IOException {
        byte[] huge = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 60).array();
        refused(write("huge.safetensors", huge), "1152921504606846976");
        byte[] negative = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(-8).array();
        refused(write("negative.safetensors", negative), "18446744073709551608");
        byte[] longer = safetensors(GOOD_HEADER, new byte[24]);
        ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN).putLong(0, longer.length); // more than the file
        refused(write("longer.safetensors", longer), "declares a header of " + longer.length);
    }

    @Test
    void refusesMalformedJson() throws IOException {
        refused(write("broken.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]", new byte[4])),
                "not well-formed JSON");
        refused(write("array.safetensors", safetensors("[1,2,3]", new byte[0])), "not a JSON object");
        refused(write("deep.safetensors", safetensors("[".repeat(100_000) + "]".repeat(100_000), new byte[0])));
        refused(write("entry.safetensors", safetensors("{\"w\":5}", new byte[0])), "tensor 'w'", "malformed");
        refused(write("noshape.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}",
                new byte[4])), "tensor 'w'");
        refused(write("text.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"x\"],\"data_offsets\":"
                + "[0,4]}}", new byte[4])), "tensor 'w'");
        // Gson alone would read 2.7 as 2, 2^64 as 0, take the last of two 'w', accept unquoted names
        refused(write("fraction.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.7],"
                + "\"data_offsets\":[0,8]}}", new byte[8])), "tensor 'w'", "not an integer");
        refused(write("wrap.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[18446744073709551616],"
                + "\"data_offsets\":[0,0]}}", new byte[0])), "tensor 'w'", "not an integer");
        refused(write("offset.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                + "\"data_offsets\":[0,4.5]}}", new byte[8])), "tensor 'w'", "data offset");
        refused(write("twice.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8])), "'w' twice");
        refused(write("lenient.safetensors", safetensors("{w:{dtype:F32,shape:[1],data_offsets:[0,4]}}", new byte[4])),
                "not well-formed JSON");
        refused(write("trailing.safetensors", safetensors(GOOD_HEADER + "{}", new byte[24])), "not well-formed JSON");
        SafeTensorsFile.open(write("padded.safetensors", safetensors(GOOD_HEADER + "      ", new byte[24]))).close();
    }

    @Test
    void refusesHeadersThatContradictTheData() throws IOException {
        refused(write("overlap.safetensors", safetensors(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12])),
                "'w'", "'v'", "overlap");
        refused(write("dtype.safetensors", safetensors(
                "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2])),
                "tensor 'w'", "unknown dtype 'F8_E4M3'");
        refused(write("span.safetensors", safetensors(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", new byte[12])),
                "tensor 'w'", "16 bytes", "span 12 bytes");
        refused(write("beyond.safetensors", safetensors(
                "{\"w\":{\"dtype\":\"F16\",\"shape\":[8],\"data_offsets\":[8,24]}}", new byte[16])),
                "tensor 'w'", "ends at byte 24", "only 16 data bytes");
        refused(write("reversed.safetensors", safetensors(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", new byte[16])),
                "tensor 'w'", "invalid data_offsets");
        refused(write("negative-dim.safetensors", safetensors(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4])),
                "tensor 'w'", "negative");
        refused(write("overflow.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                + "\"data_offsets\":[0,4]}}", new byte[4])), "tensor 'w'", "too large");
    }

    private static long[] longs(JsonElement array) {
        long[] out = new long[array.getAsJsonArray().size()];
        for (int i = 0; i < out.length; i++) out[i] = array.getAsJsonArray().get(i).getAsLong();
        return out;
    }

    private static float[] floats(JsonElement array) {
        float[] out = new float[array.getAsJsonArray().size()];
        for (int i = 0; i < out.length; i++) out[i] = array.getAsJsonArray().get(i).getAsFloat();
        return out;
    }
}
