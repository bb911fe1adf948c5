package org.sdij.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.sdij.Reference;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;
import org.sdij.io.SafeTensorsFile;

/** The whole-pipeline golden cases of the reference directory, and the tiny models they ran on. */
public final class PipelineCases {
    private PipelineCases() {}

    /** One case folder: its manifest and golden tensors. */
    public record Case(String name, Path folder, JsonObject manifest) {
        /** The case in {@code folder}, read from its manifest. */
        public static Case of(Path folder) throws IOException {
            String json = Files.readString(folder.resolve("manifest.json"));
            return new Case(folder.getFileName().toString(), folder, JsonParser.parseString(json).getAsJsonObject());
        }

        public JsonObject spec() {
            return manifest.getAsJsonObject("spec");
        }

        public String pipeline() {
            return spec().get("pipeline").getAsString();
        }

        /** tiny-models/<name>: the spec's UNet folder name without its "unet-" prefix. */
        public String tinyModel() {
            return spec().get("unet").getAsString().replaceFirst("^unet-", "");
        }

        /** Seeded: the pipeline drew every noise from {@code spec.seed} (its call got no {@code latents}). */
        public boolean seeded() {
            return !manifest.getAsJsonObject("call").has("latents");
        }

        /** The images the case made per prompt (1 where its call does not say). */
        public int batch() {
            JsonObject call = manifest.getAsJsonObject("call");
            return call.has("num_images_per_prompt") ? call.get("num_images_per_prompt").getAsInt() : 1;
        }

        public String prompt() {
            return manifest.getAsJsonObject("text").get("prompt").getAsString();
        }

        /** The case's negative prompt ("" where it has none). */
        public String negativePrompt() {
            JsonObject text = manifest.getAsJsonObject("text");
            return text.has("negative_prompt") && !text.get("negative_prompt").isJsonNull()
                    ? text.get("negative_prompt").getAsString() : "";
        }

        public SafeTensorsFile golden() throws IOException {
            return SafeTensorsFile.open(folder.resolve("golden.safetensors"));
        }
    }

    /** The cases of these pipelines, by folder name. */
    public static Stream<Case> all(String... pipelines) throws IOException {
        List<Case> cases = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Reference.resolve("pipelines"))) {
            for (Path dir : dirs.sorted().toList()) {
                if (!Files.isRegularFile(dir.resolve("manifest.json"))) continue;
                Case c = Case.of(dir);
                if (List.of(pipelines).contains(c.pipeline())) cases.add(c);
            }
        }
        return cases.stream();
    }

    /** Each tiny model is loaded once per form (folder, single file) and shared by the cases. */
    private static final Map<String, StableDiffusion> LOADED = new HashMap<>();

    static synchronized StableDiffusion model(String tinyModel, boolean singleFile) {
        return LOADED.computeIfAbsent(tinyModel + (singleFile ? ".safetensors" : ""), key -> {
            Path folder = Reference.resolve("tiny-models/" + tinyModel);
            try (ModelFiles files = singleFile
                    ? ModelLocator.open(Reference.resolve("tiny-models/" + key),
                            ModelOptions.DEFAULT.withConfigFolder(folder))
                    : ModelLocator.open(folder, ModelOptions.DEFAULT)) {
                return StableDiffusion.load(files, Device.cpu(), DataType.FLOAT32);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static synchronized void closeAll() {
        LOADED.values().forEach(StableDiffusion::close);
        LOADED.clear();
    }
}
