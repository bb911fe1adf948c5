package org.sdij.nn.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.TensorSource;
import org.sdij.io.names.NameTables;
import org.sdij.nn.GoldenModels;
import org.sdij.nn.GoldenModels.Layout;
import org.sdij.nn.Ops;
import org.sdij.nn.Weights;

/**
 * Every case of every tiny UNet in {@code models/unet-*} against diffusers' output, loaded strictly from the
 * diffusers folder and from the original single file through the io.names tables.
 */
@Tag("golden")
class UNet2DConditionModelGoldenTest {
    private static final double TOLERANCE = 1e-4;

    @TestFactory
    Stream<DynamicNode> everyCaseMatchesGoldens() throws IOException {
        return GoldenModels.everyCase("unet-", UNet2DConditionModelGoldenTest::runCase);
    }

    private static void runCase(Path folder, JsonObject manifest, Layout layout, JsonObject testCase, String name)
            throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
             TensorSource weightsFile = GoldenModels.openWeights(folder, manifest, layout, NameTables::unet);
             SafeTensorsFile golden = GoldenModels.openGolden(folder, manifest)) {
            UNetConfig config = UNetConfig.fromJson(GoldenModels.diffusersConfig(folder, manifest));
            UNet2DConditionModel unet = loadStrict(config, weightsFile, manager);
            double error = run(unet, golden, testCase, manager);
            System.out.printf("%s: max abs error %.3g%n", name, error);
            assertTrue(error <= TOLERANCE, name + ": max abs error " + error);
        }
    }

    /** The same goldens with attention forced through one-query-row chunks. */
    @Test
    void chunkedAttentionMatchesGoldens() throws Exception {
        Path folder = GoldenModels.folders("unet-").get(0);
        JsonObject manifest = GoldenModels.manifest(folder);
        JsonObject testCase = manifest.getAsJsonArray("cases").get(manifest.getAsJsonArray("cases").size() - 1)
                .getAsJsonObject();
        long limit = Ops.attentionChunkElements();
        Ops.setAttentionChunkElements(1);
        try {
            runCase(folder, manifest, Layout.DIFFUSERS, testCase,
                    folder.getFileName() + " " + testCase.get("name").getAsString() + " (chunked attention)");
        } finally {
            Ops.setAttentionChunkElements(limit);
        }
    }

    static UNet2DConditionModel loadStrict(UNetConfig config, TensorSource source, NDManager manager)
            throws Exception {
        Weights weights = Weights.of(source, manager);
        UNet2DConditionModel unet = new UNet2DConditionModel(config, weights);
        weights.finish();
        return unet;
    }

    /** Runs one manifest case and returns the max abs error against its float32 golden output. */
    static double run(UNet2DConditionModel unet, SafeTensorsFile golden, JsonObject testCase, NDManager manager)
            throws IOException {
        JsonObject inputs = testCase.getAsJsonObject("inputs");
        NDArray sample = golden.load(inputs.get("sample").getAsString(), manager);
        NDArray timestep = golden.load(inputs.get("timestep").getAsString(), manager);
        if (testCase.get("timestep_value").isJsonPrimitive()) timestep = timestep.reshape(new Shape());
        NDArray context = golden.load(inputs.get("encoder_hidden_states").getAsString(), manager);
        NDArray labels = inputs.has("class_labels") ? golden.load(inputs.get("class_labels").getAsString(), manager) : null;
        NDArray expected = golden.load(testCase.getAsJsonObject("outputs").get("sample").getAsString(), manager);

        int before = manager.getManagedArrays().size();
        NDArray out = unet.forward(sample, timestep, context, labels);
        assertEquals(before + 1, manager.getManagedArrays().size(), "forward must leave only its output behind");
        return GoldenModels.maxAbsDiff(out, expected);
    }
}
