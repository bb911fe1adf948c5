package org.sdij.nn;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.sdij.Reference;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.TensorSource;
import org.sdij.io.names.NameMap;

/** The tiny-model golden folders under {@code models/} and small helpers the network tests share. */
public final class GoldenModels {
    private GoldenModels() {}

    /** Every {@code models/<prefix>*} folder that holds a manifest, sorted by name. */
    public static List<Path> folders(String prefix) throws IOException {
        Path models = Reference.resolve("models");
        try (Stream<Path> entries = Files.list(models)) {
            List<Path> found = entries
                    .filter(p -> p.getFileName().toString().startsWith(prefix))
                    .filter(p -> Files.isRegularFile(p.resolve("manifest.json")))
                    .sorted()
                    .toList();
            if (found.isEmpty()) throw new IllegalStateException("no " + prefix + "* models under " + models);
            return found;
        }
    }

    /** Checks one manifest case of one model folder in one weight layout; {@code name} labels its output. */
    @FunctionalInterface
    public interface CaseCheck {
        void run(Path folder, JsonObject manifest, Layout layout, JsonObject testCase, String name) throws Exception;
    }

    /**
     * One dynamic test per case of every {@code models/<prefix>*} model, grouped per model and weight layout,
     * for each layout its manifest names.
     */
    public static Stream<DynamicNode> everyCase(String prefix, CaseCheck check) throws IOException {
        List<DynamicNode> models = new ArrayList<>();
        for (Path folder : folders(prefix)) {
            JsonObject manifest = manifest(folder);
            for (Layout layout : Layout.values()) {
                if (!layout.presentIn(manifest)) continue;
                List<DynamicNode> cases = new ArrayList<>();
                for (var c : manifest.getAsJsonArray("cases")) {
                    JsonObject testCase = c.getAsJsonObject();
                    String name = folder.getFileName() + " " + layout + " " + testCase.get("name").getAsString();
                    cases.add(DynamicTest.dynamicTest(name, () -> check.run(folder, manifest, layout, testCase, name)));
                }
                models.add(DynamicContainer.dynamicContainer(folder.getFileName() + " " + layout, cases));
            }
        }
        return models.stream();
    }

    public static JsonObject manifest(Path folder) throws IOException {
        return JsonParser.parseString(Files.readString(folder.resolve("manifest.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
    }

    /** The two weight files a model folder's manifest names: diffusers layout and original single-file naming. */
    public enum Layout {
        DIFFUSERS, SINGLE_FILE;

        /** Whether {@code manifest} names a file in this layout. */
        public boolean presentIn(JsonObject manifest) {
            return manifest.getAsJsonObject("weights").has(this == DIFFUSERS ? "diffusers" : "single_file");
        }
    }

    /** The manifest's diffusers config ({@code weights.diffusers_config}). */
    public static JsonObject diffusersConfig(Path folder, JsonObject manifest) throws IOException {
        Path config = folder.resolve(manifest.getAsJsonObject("weights").get("diffusers_config").getAsString());
        return JsonParser.parseString(Files.readString(config, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    /**
     * The model's tensors under diffusers names: the diffusers file as is, or the single file's tensors under
     * {@code weights.single_file_prefix} renamed by {@code table} (expanded for the diffusers config).
     */
    public static TensorSource openWeights(Path folder, JsonObject manifest, Layout layout,
                                           Function<JsonObject, NameMap> table) throws IOException {
        JsonObject weights = manifest.getAsJsonObject("weights");
        if (layout == Layout.DIFFUSERS) return SafeTensorsFile.open(folder.resolve(weights.get("diffusers").getAsString()));
        NameMap map = table.apply(diffusersConfig(folder, manifest));
        SafeTensorsFile file = SafeTensorsFile.open(folder.resolve(weights.get("single_file").getAsString()));
        try {
            return map.view(file, weights.get("single_file_prefix").getAsString());
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The manifest's golden tensors file ({@code golden}). */
    public static SafeTensorsFile openGolden(Path folder, JsonObject manifest) throws IOException {
        return SafeTensorsFile.open(folder.resolve(manifest.get("golden").getAsString()));
    }

    public static double maxAbsDiff(NDArray actual, NDArray expected) {
        if (!actual.getShape().equals(expected.getShape())) {
            throw new AssertionError("shape " + actual.getShape() + " != expected " + expected.getShape());
        }
        return actual.sub(expected).abs().max().getFloat();
    }
}
