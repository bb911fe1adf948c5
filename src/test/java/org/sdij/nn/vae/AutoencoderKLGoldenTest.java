package org.sdij.nn.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.TensorSource;
import org.sdij.io.names.NameTables;
import org.sdij.nn.GoldenModels;
import org.sdij.nn.GoldenModels.Layout;
import org.sdij.nn.Weights;

/**
 * Every case of every tiny VAE in {@code models/vae-*} (posterior mean/logvar/std and both decodes), loaded
 * strictly from the diffusers folder and from the original single file through the io.names tables.
 */
@Tag("golden")
class AutoencoderKLGoldenTest {
    private static final double TOLERANCE = 2e-4;

    @TestFactory
    Stream<DynamicNode> everyCaseMatchesGoldens() throws IOException {
        return GoldenModels.everyCase("vae-", AutoencoderKLGoldenTest::runCase);
    }

    private static void runCase(Path folder, JsonObject manifest, Layout layout, JsonObject testCase, String name)
            throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
             TensorSource weightsFile = GoldenModels.openWeights(folder, manifest, layout, NameTables::vae);
             SafeTensorsFile golden = GoldenModels.openGolden(folder, manifest)) {
            VaeConfig config = VaeConfig.fromJson(GoldenModels.diffusersConfig(folder, manifest));
            AutoencoderKL vae = loadStrict(config, weightsFile, manager);
            check(vae, golden, testCase, manager, name);
        }
    }

    static AutoencoderKL loadStrict(VaeConfig config, TensorSource source, NDManager manager) throws Exception {
        Weights weights = Weights.of(source, manager);
        AutoencoderKL vae = new AutoencoderKL(config, weights);
        weights.finish();
        return vae;
    }

    /** Runs one manifest case, prints the max abs error of every output and asserts them. */
    static void check(AutoencoderKL vae, SafeTensorsFile golden, JsonObject testCase, NDManager manager, String name)
            throws IOException {
        JsonObject inputs = testCase.getAsJsonObject("inputs");
        JsonObject outputs = testCase.getAsJsonObject("outputs");
        NDArray image = golden.load(inputs.get("image").getAsString(), manager);
        NDArray latent = golden.load(inputs.get("latent").getAsString(), manager);

        int before = manager.getManagedArrays().size();
        Posterior posterior = vae.encode(image);
        NDArray decodedMean = vae.decode(posterior.mean());
        NDArray decodedLatent = vae.decode(latent);
        assertEquals(before + 5, manager.getManagedArrays().size(), "encode/decode must leave only their outputs");

        Map<String, NDArray> actual = new LinkedHashMap<>();
        actual.put("posterior_mean", posterior.mean());
        actual.put("posterior_logvar", posterior.logvar());
        actual.put("posterior_std", posterior.std());
        actual.put("decoded_posterior_mean", decodedMean);
        actual.put("decoded_latent", decodedLatent);
        assertEquals(actual.keySet(), outputs.keySet(), name + ": the manifest's outputs");
        for (var e : actual.entrySet()) {
            NDArray expected = golden.load(outputs.get(e.getKey()).getAsString(), manager);
            double error = GoldenModels.maxAbsDiff(e.getValue(), expected);
            System.out.printf("%s %s: max abs error %.3g%n", name, e.getKey(), error);
            assertTrue(error <= TOLERANCE, name + " " + e.getKey() + ": max abs error " + error);
        }
    }
}
