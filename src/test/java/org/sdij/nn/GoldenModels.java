package org.sdij.nn;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.sdij.Reference;

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

    public static JsonObject manifest(Path folder) throws IOException {
        return JsonParser.parseString(Files.readString(folder.resolve("manifest.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
    }

    public static double maxAbsDiff(NDArray actual, NDArray expected) {
        if (!actual.getShape().equals(expected.getShape())) {
            throw new AssertionError("shape " + actual.getShape() + " != expected " + expected.getShape());
        }
        return actual.sub(expected).abs().max().getFloat();
    }
}
