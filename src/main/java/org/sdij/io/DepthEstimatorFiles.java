package org.sdij.io;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a DPT depth estimator: a diffusers depth folder's {@code depth_estimator/} (config.json + weights)
 * and {@code feature_extractor/} (preprocessor_config.json), or a standalone transformers DPT folder holding all
 * three (as {@code Intel/dpt-hybrid-midas} on the Hub). Owns the open weight file.
 */
public final class DepthEstimatorFiles implements AutoCloseable {
    private final Path folder;
    private final JsonObject config;
    private final JsonObject preprocessor;
    private final TensorSource weights;

    private DepthEstimatorFiles(Path folder, JsonObject config, JsonObject preprocessor, TensorSource weights) {
        this.folder = folder;
        this.config = config;
        this.preprocessor = preprocessor;
        this.weights = weights;
    }

    /** Whether {@code dir} is, or holds as {@code depth_estimator/}, a depth estimator. */
    public static boolean present(Path dir) {
        return dir != null && (Files.isDirectory(dir.resolve("depth_estimator"))
                || Files.isRegularFile(dir.resolve("config.json")) && Files.isRegularFile(dir.resolve("preprocessor_config.json")));
    }

    /** A diffusers folder with {@code depth_estimator/} + {@code feature_extractor/}, or a DPT folder. */
    public static DepthEstimatorFiles open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("Depth model not found: " + dir + " is not a folder (give a DPT folder, or a"
                    + " diffusers SD 2 depth folder with depth_estimator/ and feature_extractor/)");
        }
        Path estimator = dir.resolve("depth_estimator");
        Path processor = dir.resolve("feature_extractor").resolve("preprocessor_config.json");
        if (!Files.isDirectory(estimator)) {
            estimator = dir;
            processor = dir.resolve("preprocessor_config.json");
        }
        List<String> lacking = new ArrayList<>();
        if (!Files.isRegularFile(estimator.resolve("config.json"))) lacking.add(estimator.resolve("config.json").toString());
        if (!Files.isRegularFile(processor)) lacking.add(processor.toString());
        if (!lacking.isEmpty()) {
            throw new IOException(dir + " is not a DPT depth estimator: it lacks " + String.join(" and ", lacking)
                    + ". Give a transformers DPT folder (config.json, preprocessor_config.json, model.safetensors, as"
                    + " Intel/dpt-hybrid-midas) or a diffusers SD 2 depth folder (depth_estimator/, feature_extractor/).");
        }
        JsonObject config = JsonFiles.read(estimator.resolve("config.json"));
        JsonObject preprocessor = JsonFiles.read(processor);
        TensorSource weights = DiffusersFolder.openWeights(estimator, null, new ArrayList<>());
        return new DepthEstimatorFiles(estimator, config, preprocessor, weights);
    }

    /** The folder holding config.json and the weights. */
    public Path folder() {
        return folder;
    }

    public JsonObject config() {
        return config.deepCopy();
    }

    public JsonObject preprocessorConfig() {
        return preprocessor.deepCopy();
    }

    public TensorSource weights() {
        return weights;
    }

    /** What the metadata says the depth came from: the config's {@code _name_or_path}, else the folder. */
    public String describe() {
        String name = config.has("_name_or_path") && config.get("_name_or_path").isJsonPrimitive()
                ? config.get("_name_or_path").getAsString() : "";
        return name.isBlank() ? folder.toString() : name + " (" + folder + ")";
    }

    @Override
    public void close() throws IOException {
        weights.close();
    }
}
