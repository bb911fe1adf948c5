package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.sdij.GoldenFloats;
import org.sdij.Reference;
import org.sdij.cli.ImageFiles;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.TensorInfo;

/**
 * Every case of {@code models/dpt-hybrid}: the processor's Pillow resize and pixel values (exact), every
 * intermediate the case holds, the predicted depth and the prepared depth map, from the tiny DPT-Hybrid loaded
 * strictly from the folder's {@code depth_estimator/} and {@code feature_extractor/}; and each preprocess-only case
 * with the real processor config. Tolerances as the set's README suggests.
 */
@Tag("golden")
class DepthEstimatorGoldenTest {
    private static final double DEPTH_RELATIVE = 1e-4;
    private static final double MAP_ABSOLUTE = 1e-4;
    private static final double INTERMEDIATE_RELATIVE = 5e-4;

    static Path folder() {
        return Reference.resolve("models/dpt-hybrid");
    }

    static JsonObject manifest() throws IOException {
        return JsonParser.parseString(Files.readString(folder().resolve("manifest.json"))).getAsJsonObject();
    }

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesTransformersAndDiffusers() throws IOException {
        JsonObject manifest = manifest();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement c : manifest.getAsJsonArray("cases")) {
            JsonObject testCase = c.getAsJsonObject();
            tests.add(DynamicTest.dynamicTest(testCase.get("name").getAsString(), () -> runCase(manifest, testCase)));
        }
        for (JsonElement c : manifest.getAsJsonArray("preprocess_only_cases")) {
            JsonObject testCase = c.getAsJsonObject();
            tests.add(DynamicTest.dynamicTest(testCase.get("name").getAsString(), () -> runPreprocessCase(manifest,
                    testCase)));
        }
        assertTrue(tests.size() > 0, "no cases in the dpt-hybrid manifest");
        return tests.stream();
    }

    private static void runCase(JsonObject manifest, JsonObject testCase) throws Exception {
        Path folder = folder();
        JsonObject call = testCase.getAsJsonObject("call");
        JsonObject outputs = testCase.getAsJsonObject("outputs");
        List<RgbImage> images = new ArrayList<>();
        for (JsonElement image : testCase.getAsJsonObject("inputs").getAsJsonArray("image")) {
            images.add(ImageFiles.read(folder.resolve(image.getAsString())));
        }
        try (DepthEstimator estimator = DepthEstimator.load(folder, Device.cpu());
             SafeTensorsFile golden = SafeTensorsFile.open(folder.resolve(manifest.get("golden").getAsString()))) {
            DptImageProcessor processor = estimator.processor();
            int[] resized = new int[0];
            float[] pixels = new float[0];
            for (RgbImage image : images) {
                resized = concat(resized, flat(processor.resized(image)));
                pixels = concat(pixels, processor.preprocess(image).values());
            }
            assertArrayEquals(bytes(golden, outputs.get("resized_uint8").getAsString()), resized, "Pillow resize");
            assertArrayEquals(GoldenFloats.read(golden, outputs.get("pixel_values").getAsString()), pixels,
                    "pixel values");

            Map<String, float[]> taps = new LinkedHashMap<>();
            List<Plane> depth = estimator.estimate(images, (name, value) -> taps.put(name, floats(value)));
            float[] predicted = new float[0];
            for (Plane p : depth) predicted = concat(predicted, p.values());
            float[] wantDepth = GoldenFloats.read(golden, outputs.get("predicted_depth").getAsString());
            double depthError = GoldenFloats.maxAbsDiff(predicted, wantDepth);
            double depthLimit = DEPTH_RELATIVE * maxAbs(wantDepth);
            System.out.printf("  %s: predicted_depth max abs error %.3g (limit %.3g)%n", testCase.get("name")
                    .getAsString(), depthError, depthLimit);
            assertTrue(depthError <= depthLimit, "predicted depth off by " + depthError);

            if (testCase.has("intermediates") && !testCase.getAsJsonObject("intermediates").isEmpty()) {
                double worst = 0;
                for (Map.Entry<String, JsonElement> e : testCase.getAsJsonObject("intermediates").entrySet()) {
                    float[] want = GoldenFloats.read(golden, e.getValue().getAsString());
                    float[] got = taps.get(e.getKey());
                    assertTrue(got != null, "no intermediate " + e.getKey());
                    double error = GoldenFloats.maxAbsDiff(got, want);
                    assertTrue(error <= INTERMEDIATE_RELATIVE * maxAbs(want), e.getKey() + " off by " + error
                            + " (max |value| " + maxAbs(want) + ")");
                    worst = Math.max(worst, error / maxAbs(want));
                }
                System.out.printf("  %s: intermediates max abs error / max |value| %.3g%n",
                        testCase.get("name").getAsString(), worst);
            }

            // diffusers' prepare_depth_map: bicubic to image 0's latent size, per-map [-1, 1], batch tiling, CFG
            JsonArray firstSize = testCase.getAsJsonArray("image_sizes_wh").get(0).getAsJsonArray();
            int scale = call.get("vae_scale_factor").getAsInt();
            int latentH = firstSize.get(1).getAsInt() / scale;
            int latentW = firstSize.get(0).getAsInt() / scale;
            Plane first = depth.get(0);
            float[] map = DepthMaps.prepare(predicted, depth.size(), first.height(), first.width(), latentH, latentW,
                    call.get("batch_size").getAsInt(), call.get("do_classifier_free_guidance").getAsBoolean());
            String mapName = outputs.get("depth_map").getAsString();
            TensorInfo info = golden.info(mapName);
            assertEquals(latentH, info.shape()[2], "latent height");
            assertEquals(latentW, info.shape()[3], "latent width");
            double mapError = GoldenFloats.maxAbsDiff(map, GoldenFloats.read(golden, mapName));
            System.out.printf("  %s: depth_map max abs error %.3g%n", testCase.get("name").getAsString(), mapError);
            assertTrue(mapError <= MAP_ABSOLUTE, "depth map off by " + mapError);
        }
    }

    /** The real processor config on a larger image: Pillow's resize bit for bit. */
    private static void runPreprocessCase(JsonObject manifest, JsonObject testCase) throws Exception {
        String configPath = testCase.get("preprocessor_config").getAsString().split(" ")[0];
        JsonObject config = JsonParser.parseString(Files.readString(Reference.resolve(configPath))).getAsJsonObject();
        DptImageProcessor processor = DptImageProcessor.fromJson(config);
        RgbImage image = ImageFiles.read(folder().resolve(testCase.get("image").getAsString()));
        JsonArray size = testCase.getAsJsonArray("image_size_wh");
        assertEquals(size.get(0).getAsInt(), image.width());
        assertEquals(size.get(1).getAsInt(), image.height());
        try (SafeTensorsFile golden = SafeTensorsFile.open(folder().resolve(manifest.get("golden").getAsString()))) {
            assertArrayEquals(bytes(golden, testCase.getAsJsonObject("outputs").get("resized_uint8").getAsString()),
                    flat(processor.resized(image)), "Pillow resize with the real processor");
        }
        float[] pixels = processor.preprocess(image).values();
        int[] resized = flat(processor.resized(image));
        for (int i = 0; i < pixels.length; i++) {
            float rescaled = (float) (resized[i] * processor.rescaleFactor());
            assertEquals((rescaled - processor.mean()[0]) / processor.std()[0], pixels[i], 0f);
        }
    }

    private static float[] floats(NDArray value) {
        return value.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    }

    private static int[] bytes(SafeTensorsFile golden, String name) throws IOException {
        ByteBuffer b = golden.bytes(name);
        int[] out = new int[b.remaining()];
        for (int i = 0; i < out.length; i++) out[i] = b.get(b.position() + i) & 0xff;
        return out;
    }

    private static int[] flat(int[][] planes) {
        int[] out = new int[0];
        for (int[] p : planes) out = concat(out, p);
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) max = Math.max(max, Math.abs(v));
        return max;
    }
}
