package org.sdij.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.WeightFormatException;
import org.sdij.nn.Weights;

/**
 * The text encoder against {@code models/clip-text} (each manifest case runs the HF-named folder
 * {@code text_encoder_<case>}) and against the whole tiny models of {@code tiny-models}.
 */
class ClipTextEncoderTest {

    private static final double TOLERANCE = 1e-4;

    private static final Path CLIP_TEXT = Reference.resolve("models/clip-text");

    @TestFactory
    Stream<DynamicTest> goldenCasesMatch() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
            String name = c.get("name").getAsString();
            Path folder = CLIP_TEXT.resolve("text_encoder_" + name);
            try (NDManager manager = NDManager.newBaseManager();
                 SafeTensorsFile golden = SafeTensorsFile.open(CLIP_TEXT.resolve(c.get("golden").getAsString()));
                 SafeTensorsFile file = SafeTensorsFile.open(folder.resolve("model.safetensors"));
                 ClipTextEncoder encoder = ClipTextEncoder.load(ClipTextConfig.read(folder.resolve("config.json")),
                         Weights.of(file, manager))) {
                NDArray ids = golden.load(c.get("input_ids").getAsString(), manager);
                NDArray expected = golden.load(c.get("output").getAsString(), manager);
                assertArrayEquals(manifestIds(c), toRows(ids), "golden ids agree with the manifest");

                NDArray fromArray = encoder.encode(ids);
                NDArray fromRows = encoder.encode(toRows(ids), manager);
                assertEquals(expected.getShape(), fromArray.getShape());
                double error = maxAbsDiff(fromArray, expected);
                System.out.printf("clip-text %s: max abs error %.3g%n", name, error);
                assertTrue(error <= TOLERANCE, name + ": max abs error " + error);
                assertEquals(0.0, maxAbsDiff(fromRows, fromArray), "long[][] and NDArray inputs agree");
            }
        }));
    }

    /**
     * Each tiny model's text encoder loads strictly; its own tokenizer's ids for the clip-text prompts select
     * the clip-text case with the same padding, and the model reproduces that case's golden output.
     */
    @TestFactory
    Stream<DynamicTest> tinyModelsEncodeLikeTheGoldens() throws IOException {
        List<Path> models;
        try (Stream<Path> dirs = Files.list(Reference.resolve("tiny-models"))) {
            models = dirs.filter(d -> Files.isRegularFile(d.resolve("text_encoder/config.json"))).sorted().toList();
        }
        assertTrue(models.size() >= 2, "tiny models with a text encoder: " + models);
        List<JsonObject> cases = cases();
        return models.stream().map(model -> DynamicTest.dynamicTest(model.getFileName().toString(), () -> {
            try (NDManager manager = NDManager.newBaseManager();
                 ClipTokenizer tokenizer = ClipTokenizer.fromFolder(model.resolve("tokenizer"));
                 SafeTensorsFile file = SafeTensorsFile.open(model.resolve("text_encoder/model.safetensors"));
                 ClipTextEncoder encoder = ClipTextEncoder.load(
                         ClipTextConfig.read(model.resolve("text_encoder/config.json")), Weights.of(file, manager));
                 SafeTensorsFile golden = SafeTensorsFile.open(CLIP_TEXT.resolve("golden.safetensors"))) {
                JsonObject match = null;
                long[][] ids = null;
                for (JsonObject c : cases) {
                    List<String> prompts = new ArrayList<>();
                    c.getAsJsonArray("prompts").forEach(p -> prompts.add(p.getAsString()));
                    long[][] tokenized = tokenizer.encode(prompts);
                    if (java.util.Arrays.deepEquals(tokenized, manifestIds(c))) {
                        match = c;
                        ids = tokenized;
                    }
                }
                assertTrue(match != null, model + ": its tokenizer reproduces no clip-text case's ids");
                NDArray expected = golden.load(match.get("output").getAsString(), manager);
                double error = maxAbsDiff(encoder.encode(ids, manager), expected);
                System.out.printf("tiny model %s (as clip-text %s): max abs error %.3g%n", model.getFileName(),
                        match.get("name").getAsString(), error);
                assertTrue(error <= TOLERANCE, model + ": max abs error " + error);
            }
        }));
    }

    @Test
    void forwardLeavesNothingInTheWeightManager() throws IOException {
        Path folder = CLIP_TEXT.resolve("text_encoder_sd1");
        try (NDManager weightManager = NDManager.newBaseManager();
             NDManager callerManager = NDManager.newBaseManager();
             SafeTensorsFile file = SafeTensorsFile.open(folder.resolve("model.safetensors"));
             ClipTextEncoder encoder = ClipTextEncoder.load(ClipTextConfig.read(folder.resolve("config.json")),
                     Weights.of(file, weightManager))) {
            int weightArrays = weightManager.getManagedArrays().size();
            NDArray ids = callerManager.create(new int[] {49406, 320, 49407, 49407}, new Shape(2, 2));
            int callerArrays = callerManager.getManagedArrays().size();
            NDArray out = encoder.encode(ids);
            assertEquals(new Shape(2, 2, 8), out.getShape());
            assertEquals(callerManager, out.getManager());
            assertEquals(weightArrays, weightManager.getManagedArrays().size(), "arrays left in the weight manager");
            assertEquals(callerArrays + 1, callerManager.getManagedArrays().size(), "only the result is added");
        }
    }

    @Test
    void badIdsAreRefused() throws IOException {
        Path folder = CLIP_TEXT.resolve("text_encoder_sd1");
        try (NDManager manager = NDManager.newBaseManager();
             SafeTensorsFile file = SafeTensorsFile.open(folder.resolve("model.safetensors"));
             ClipTextEncoder encoder = ClipTextEncoder.load(ClipTextConfig.read(folder.resolve("config.json")),
                     Weights.of(file, manager))) {
            assertThrows(IllegalArgumentException.class, () -> encoder.encode(new long[][] {{49408}}, manager));
            assertThrows(IllegalArgumentException.class, () -> encoder.encode(new long[1][78], manager));
            assertThrows(IllegalArgumentException.class, () -> encoder.encode(new long[][] {{1, 2}, {1}}, manager));
            assertThrows(IllegalArgumentException.class, () -> encoder.encode(manager.zeros(new Shape(1, 3))));
        }
    }

    /** position_ids is accepted and ignored; missing, mis-shaped and unknown tensors all appear in one error. */
    @Test
    void misfitWeightsAreReportedTogether(@TempDir Path dir) throws IOException {
        Path folder = CLIP_TEXT.resolve("text_encoder_sd1");
        ClipTextConfig config = ClipTextConfig.read(folder.resolve("config.json"));
        try (NDManager manager = NDManager.newBaseManager();
             SafeTensorsFile source = SafeTensorsFile.open(folder.resolve("model.safetensors"))) {
            TinySafeTensors withPositionIds = TinySafeTensors.copyOf(source);
            withPositionIds.putInt64("text_model.embeddings.position_ids", new long[] {1, 77});
            Path good = withPositionIds.write(dir.resolve("good.safetensors"));
            try (SafeTensorsFile file = SafeTensorsFile.open(good);
                 ClipTextEncoder encoder = ClipTextEncoder.load(config, Weights.of(file, manager))) {
                assertEquals(4, config.numHiddenLayers());
                assertEquals(8, encoder.config().hiddenSize());
            }

            TinySafeTensors bad = TinySafeTensors.copyOf(source);
            bad.remove("text_model.encoder.layers.2.mlp.fc1.bias");
            bad.remove("text_model.final_layer_norm.weight");
            bad.putFloat32("text_model.encoder.layers.0.self_attn.q_proj.weight", new long[] {8, 9});
            bad.putFloat32("text_model.text_projection.weight", new long[] {8, 8});
            Path badFile = bad.write(dir.resolve("bad.safetensors"));
            try (SafeTensorsFile file = SafeTensorsFile.open(badFile)) {
                WeightFormatException e = assertThrows(WeightFormatException.class,
                        () -> ClipTextEncoder.load(config, Weights.of(file, manager)));
                String message = e.getMessage();
                for (String expected : new String[] {badFile.toString(), "2 missing",
                        "text_model.encoder.layers.2.mlp.fc1.bias", "text_model.final_layer_norm.weight",
                        "1 wrong shape", "text_model.encoder.layers.0.self_attn.q_proj.weight: file has [8, 9]",
                        "1 unexpected", "text_model.text_projection.weight"}) {
                    assertTrue(message.contains(expected), "'" + expected + "' not in:\n" + message);
                }
                assertFalse(message.contains("position_ids"));
            }
        }
    }

    @Test
    void configsParseAndRefuseNonsense() throws IOException {
        ClipTextConfig sd1 = ClipTextConfig.read(CLIP_TEXT.resolve("text_encoder_sd1/config.json"));
        assertEquals(new ClipTextConfig(8, 4, 2, 32, ClipTextConfig.Activation.QUICK_GELU, 1e-5, 77, 49408), sd1);
        ClipTextConfig sd2 = ClipTextConfig.read(CLIP_TEXT.resolve("text_encoder_sd2/config.json"));
        assertEquals(ClipTextConfig.Activation.GELU, sd2.hiddenAct());
        assertEquals(3, sd2.numHiddenLayers());
        assertEquals(23, ClipTextConfig.sd2().numHiddenLayers());
        assertThrows(IllegalArgumentException.class, () -> ClipTextConfig.fromJson("{\"hidden_act\": \"relu\"}"));
        assertThrows(IllegalArgumentException.class,
                () -> ClipTextConfig.fromJson("{\"hidden_size\": 10, \"num_attention_heads\": 3}"));
        assertThrows(IllegalArgumentException.class, () -> ClipTextConfig.fromJson("[1]"));
        assertThrows(IllegalArgumentException.class, () -> ClipTextConfig.fromJson("{\"hidden_act\": {}}"));
        assertThrows(IllegalArgumentException.class, () -> ClipTextConfig.fromJson("{\"hidden_size\": \"wide\"}"));
    }

    private static List<JsonObject> cases() throws IOException {
        JsonObject manifest = JsonParser.parseString(Files.readString(CLIP_TEXT.resolve("manifest.json"))).getAsJsonObject();
        List<JsonObject> cases = new ArrayList<>();
        for (JsonElement c : manifest.getAsJsonArray("cases")) {
            JsonObject o = c.getAsJsonObject().deepCopy();
            o.addProperty("golden", manifest.get("golden").getAsString());
            cases.add(o);
        }
        assertFalse(cases.isEmpty());
        return cases;
    }

    private static long[][] manifestIds(JsonObject c) {
        var rows = c.getAsJsonArray("ids");
        long[][] ids = new long[rows.size()][];
        for (int i = 0; i < ids.length; i++) {
            var row = rows.get(i).getAsJsonArray();
            ids[i] = new long[row.size()];
            for (int j = 0; j < ids[i].length; j++) ids[i][j] = row.get(j).getAsLong();
        }
        return ids;
    }

    private static long[][] toRows(NDArray ids) {
        long[] flat = ids.toType(DataType.INT64, false).toLongArray();
        int batch = (int) ids.getShape().get(0);
        int tokens = (int) ids.getShape().get(1);
        long[][] rows = new long[batch][tokens];
        for (int b = 0; b < batch; b++) System.arraycopy(flat, b * tokens, rows[b], 0, tokens);
        return rows;
    }

    private static double maxAbsDiff(NDArray a, NDArray b) {
        assertEquals(b.getShape(), a.getShape());
        return a.toType(DataType.FLOAT64, false).sub(b.toType(DataType.FLOAT64, false)).abs().max().getDouble();
    }
}
