package org.sdij.spark;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Requests made from the seeded golden cases of the reference set (every value from the case: model, prompt, seed,
 * steps, guidance, sampler, size, strength, noise level, input image), as a user would write them.
 */
final class CaseRequests {
    private CaseRequests() {}

    /** The reference set: {@code -Dsdij.reference=DIR}, default ../shared/reference. */
    static Path reference() {
        return Path.of(System.getProperty("sdij.reference", "../shared/reference")).toAbsolutePath().normalize();
    }

    /** One request: its id, command and options in the order a user types them. */
    record Request(String id, String command, Map<String, String> options) {
        /** The JSONL line of the job. */
        String json() {
            JsonObject o = new JsonObject();
            o.addProperty("id", id);
            o.addProperty("command", command);
            options.forEach(o::addProperty);
            return o.toString();
        }

        /** The same request as {@code bin/sd-ij}'s arguments, writing {@code out}. */
        String[] argv(Path out) {
            List<String> argv = new ArrayList<>(List.of(command));
            options.forEach((k, v) -> argv.addAll(List.of("--" + k, v)));
            argv.addAll(List.of("--out", out.toString()));
            return argv.toArray(String[]::new);
        }

        Request withId(String newId) {
            return new Request(newId, command, options);
        }

        Request with(String key, String value) {
            Map<String, String> o = new LinkedHashMap<>(options);
            o.put(key, value);
            return new Request(id, command, o);
        }
    }

    /** A request per seeded case of these pipelines (txt2img, img2img, upscale), by case name. */
    static List<Request> of(String... pipelines) throws IOException {
        List<Request> requests = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(reference().resolve("pipelines"))) {
            for (Path dir : dirs.sorted().toList()) {
                Path manifest = dir.resolve("manifest.json");
                if (!Files.isRegularFile(manifest)) continue;
                JsonObject m = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
                JsonObject spec = m.getAsJsonObject("spec");
                JsonObject call = m.getAsJsonObject("call");
                String pipeline = spec.get("pipeline").getAsString();
                if (!List.of(pipelines).contains(pipeline) || call.has("latents")) continue;
                requests.add(request(dir, m, pipeline));
            }
        }
        return requests;
    }

    private static Request request(Path dir, JsonObject m, String pipeline) {
        JsonObject spec = m.getAsJsonObject("spec");
        JsonObject call = m.getAsJsonObject("call");
        JsonObject text = m.getAsJsonObject("text");
        Map<String, String> o = new LinkedHashMap<>();
        String model = spec.get("unet").getAsString().replaceFirst("^unet-", "");
        o.put("model", reference().resolve("tiny-models/" + model).toString());
        o.put("prompt", text.get("prompt").getAsString());
        if (text.has("negative_prompt") && !text.get("negative_prompt").isJsonNull()) {
            o.put("negative-prompt", text.get("negative_prompt").getAsString());
        }
        o.put("seed", spec.get("seed").getAsString());
        o.put("steps", spec.get("steps").getAsString());
        o.put("guidance", spec.get("guidance_scale").getAsString());
        o.put("sampler", spec.get("scheduler").getAsString());
        if (call.has("num_images_per_prompt")) o.put("num-images", call.get("num_images_per_prompt").getAsString());
        switch (pipeline) {
            case "img2img" -> {
                o.put("image", dir.resolve("init_image.png").toString());
                o.put("strength", spec.get("strength").getAsString());
            }
            case "upscale" -> {
                o.put("image", dir.resolve("low_res_image.png").toString());
                o.put("noise-level", spec.get("noise_level").getAsString());
            }
            default -> {
                o.put("width", call.get("width").getAsString());
                o.put("height", call.get("height").getAsString());
            }
        }
        return new Request(dir.getFileName().toString(), pipeline, o);
    }
}
