package org.sdij.pipeline;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.sdij.Reference;
import org.sdij.io.SafeTensorsFile;

/**
 * A tiny SD 2 depth diffusers folder that carries a depth estimator, as real SD 2 depth folders do: the tiny
 * sd2-depth model's entries with {@code models/dpt-hybrid}'s {@code depth_estimator/} and {@code feature_extractor/}
 * (linked) and a model_index.json naming them; and the dpt-hybrid cases it can run depth2img on.
 */
public final class DepthFolders {
    private DepthFolders() {}

    public static Path dptFolder() {
        return Reference.resolve("models/dpt-hybrid");
    }

    /** {@code dir/sd2-depth-dpt}, made on first use. */
    public static synchronized Path tinyDepthWithEstimator(Path dir) throws IOException {
        Path target = dir.resolve("sd2-depth-dpt");
        if (Files.isDirectory(target)) return target;
        Path tiny = Reference.resolve("tiny-models/sd2-depth");
        Files.createDirectories(target);
        try (Stream<Path> entries = Files.list(tiny)) {
            for (Path entry : entries.toList()) {
                if (entry.getFileName().toString().equals("model_index.json")) continue;
                Files.createSymbolicLink(target.resolve(entry.getFileName()), entry.toAbsolutePath());
            }
        }
        for (String component : List.of("depth_estimator", "feature_extractor")) {
            Files.createSymbolicLink(target.resolve(component), dptFolder().resolve(component).toAbsolutePath());
        }
        JsonObject index = JsonParser.parseString(Files.readString(tiny.resolve("model_index.json"))).getAsJsonObject();
        index.add("depth_estimator", pair("transformers", "DPTForDepthEstimation"));
        index.add("feature_extractor", pair("transformers", "DPTFeatureExtractor"));
        Files.writeString(target.resolve("model_index.json"), index.toString());
        return target;
    }

    private static JsonArray pair(String library, String type) {
        JsonArray a = new JsonArray();
        a.add(library);
        a.add(type);
        return a;
    }

    /** A dpt-hybrid case of one image: the image and its golden predicted depth [H, W]. */
    public record SingleImageCase(String name, Path image, int width, int height, float[] predictedDepth,
                                  int depthWidth, int depthHeight) {}

    /**
     * The dpt-hybrid cases of one image whose sides depth2img takes (multiples of {@code multiple}), with their
     * golden predicted depth.
     */
    public static List<SingleImageCase> singleImageCases(int multiple) throws IOException {
        Path folder = dptFolder();
        JsonObject manifest = JsonParser.parseString(Files.readString(folder.resolve("manifest.json"))).getAsJsonObject();
        List<SingleImageCase> out = new ArrayList<>();
        try (SafeTensorsFile golden = SafeTensorsFile.open(folder.resolve(manifest.get("golden").getAsString()))) {
            for (JsonElement e : manifest.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                JsonArray images = c.getAsJsonObject("inputs").getAsJsonArray("image");
                JsonArray size = c.getAsJsonArray("image_sizes_wh").get(0).getAsJsonArray();
                int w = size.get(0).getAsInt();
                int h = size.get(1).getAsInt();
                if (images.size() != 1 || w % multiple != 0 || h % multiple != 0) continue;
                String name = c.getAsJsonObject("outputs").get("predicted_depth").getAsString();
                long[] shape = golden.info(name).shape();
                out.add(new SingleImageCase(c.get("name").getAsString(), folder.resolve(images.get(0).getAsString()), w,
                        h, org.sdij.GoldenFloats.read(golden, name), (int) shape[2], (int) shape[1]));
            }
        }
        return out;
    }
}
