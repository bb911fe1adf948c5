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
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.WeightFormatException;
import org.sdij.io.names.NameMap;
import org.sdij.io.names.NameTables;
import org.sdij.nn.Weights;

/**
 * The text encoder against {@code models/clip-text} (each manifest case runs the HF-named folder
 * {@code text_encoder_<case>} and the OpenCLIP-named single file) and against the whole tiny models of
 * {@code tiny-models}, as folders and as single files.
 */
@Tag("golden")
class ClipTextEncoderTest {

    private static final double TOLERANCE = 1e-4;

    private static final Path CLIP_TEXT = Reference.resolve("models/clip-text");

    @TempDir
    static Path scratch;

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
     * Each tiny model, as a diffusers folder and as an original single file (configs from its folder), loads its
     * text encoder strictly through {@link ModelLocator}; its tokenizer's ids for the clip-text prompts select
     * the clip-text case with the same padding, and the encoder reproduces that case's golden output.
     */
    @TestFactory
    Stream<DynamicTest> tinyModelsEncodeLikeTheGoldens() throws IOException {
        List<Path> folders;
        try (Stream<Path> dirs = Files.list(Reference.resolve("tiny-models"))) {
            folders = dirs.filter(d -> Files.isRegularFile(d.resolve("text_encoder/config.json"))).sorted().toList();
        }
        assertTrue(!folders.isEmpty(), "no tiny model with a text encoder");
        List<JsonObject> cases = cases();
        List<DynamicTest> tests = new ArrayList<>();
        for (Path folder : folders) {
            tests.add(DynamicTest.dynamicTest(folder.getFileName() + " folder",
                    () -> checkModel(folder, ModelOptions.DEFAULT, cases)));
            Path single = folder.resolveSibling(folder.getFileName() + ".safetensors");
            if (Files.isRegularFile(single)) {
                tests.add(DynamicTest.dynamicTest(single.getFileName() + " single file",
                        () -> checkModel(single, ModelOptions.DEFAULT.withConfigFolder(folder), cases)));
                tests.add(DynamicTest.dynamicTest(single.getFileName() + " single file, bundled vocabulary",
                        () -> checkModel(single, ModelOptions.DEFAULT.withConfigFolder(configsOnly(folder)), cases)));
            }
        }
        return tests.stream();
    }

    /** A copy of the folder's configs without its tokenizer, as single files are used with the bundled vocabulary. */
    private static Path configsOnly(Path folder) throws IOException {
        Path copy = Files.createTempDirectory(scratch, folder.getFileName().toString());
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                Path relative = folder.relativize(file);
                if (relative.startsWith("tokenizer")) continue;
                Files.createDirectories(copy.resolve(relative).getParent());
                Files.copy(file, copy.resolve(relative));
            }
        }
        return copy;
    }

    private static void checkModel(Path path, ModelOptions options, List<JsonObject> cases) throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
             ModelFiles model = ModelLocator.open(path, options);
             ClipTokenizer tokenizer = ClipTokenizer.forModel(model);
             ClipTextEncoder encoder = ClipTextEncoder.load(
                     ClipTextConfig.fromJson(model.config(ModelFiles.Component.TEXT_ENCODER).toString()),
                     Weights.of(model.weights(ModelFiles.Component.TEXT_ENCODER), manager));
             SafeTensorsFile golden = SafeTensorsFile.open(CLIP_TEXT.resolve("golden.safetensors"))) {
            JsonObject match = null;
            long[][] ids = null;
            for (JsonObject c : cases) {
                List<String> prompts = new ArrayList<>();
                c.getAsJsonArray("prompts").forEach(p -> prompts.add(p.getAsString()));
                long[][] tokenized = tokenizer.encode(prompts);
                if (Arrays.deepEquals(tokenized, manifestIds(c))) {
                    match = c;
                    ids = tokenized;
                }
            }
            assertTrue(match != null, path + ": its tokenizer reproduces no clip-text case's ids");
            NDArray expected = golden.load(match.get("output").getAsString(), manager);
            double error = maxAbsDiff(encoder.encode(ids, manager), expected);
            System.out.printf("tiny model %s, tokenizer %s (as clip-text %s): max abs error %.3g%n",
                    path.getFileName(), model.tokenizerDir() == null ? "bundled" : "of the folder",
                    match.get("name").getAsString(), error);
            assertTrue(error <= TOLERANCE, path + ": max abs error " + error);
        }
    }

    /**
     * The OpenCLIP-named single-file tower (4 layers) through the OpenCLIP name table: with each case's config
     * (SD 1: all 4 layers, quick_gelu; SD 2: 3 layers, gelu, the 4th ignored) it gives that case's output.
     */
    @TestFactory
    Stream<DynamicTest> openClipSingleFileMatchesTheGoldens() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
            String name = c.get("name").getAsString();
            String configJson = Files.readString(CLIP_TEXT.resolve("text_encoder_" + name).resolve("config.json"));
            NameMap table = NameTables.openClipText(JsonParser.parseString(configJson).getAsJsonObject());
            try (NDManager manager = NDManager.newBaseManager();
                 SafeTensorsFile golden = SafeTensorsFile.open(CLIP_TEXT.resolve(c.get("golden").getAsString()));
                 SafeTensorsFile file = SafeTensorsFile.open(CLIP_TEXT.resolve("openclip_single_file.safetensors"));
                 ClipTextEncoder encoder = ClipTextEncoder.load(ClipTextConfig.fromJson(configJson),
                         Weights.of(table.view(file, NameTables.TEXT_PREFIX), manager))) {
                NDArray expected = golden.load(c.get("output").getAsString(), manager);
                double error = maxAbsDiff(encoder.encode(manifestIds(c), manager), expected);
                System.out.printf("openclip single file as %s: max abs error %.3g%n", name, error);
                assertTrue(error <= TOLERANCE, name + ": max abs error " + error);
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
