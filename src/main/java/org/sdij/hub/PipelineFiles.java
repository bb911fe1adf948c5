package org.sdij.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which files of a diffusers repo a pipeline needs, as diffusers' {@code from_pretrained} picks them:
 * {@code model_index.json}; for each component folder its {@code config.json} and weights, or all its files
 * when it has no weights (scheduler, tokenizer, feature extractor). Weights prefer {@code .safetensors} (a
 * {@code .bin} only where no safetensors twin exists) and, with a variant, {@code *.fp16.safetensors} where
 * there is one. Root-level single files ({@code v1-5-pruned-emaonly.safetensors}) and other formats (flax,
 * onnx) are never taken; neither is the safety checker, which sd-ij does not run, nor the feature extractor
 * but for depth models (it prepares the depth estimator's input).
 */
public final class PipelineFiles {
    private PipelineFiles() {}

    /** Weight file names diffusers and transformers write, optionally sharded, optionally of a variant. */
    private static final Pattern WEIGHTS = Pattern.compile(
            "(diffusion_pytorch_model|pytorch_model|model)(\\.([A-Za-z0-9_]+))?(-\\d{5}-of-\\d{5})?"
                    + "\\.(safetensors|bin)(\\.index(\\.([A-Za-z0-9_]+))?\\.json)?");
    private static final Set<String> NEVER = Set.of("safety_checker");

    /** The files of {@code siblings} (the repo's file names) a pipeline needs, {@code model_index.json} first. */
    public static List<String> select(JsonObject modelIndex, List<String> siblings, String variant) {
        Set<String> chosen = new LinkedHashSet<>();
        chosen.add("model_index.json");
        for (String folder : components(modelIndex)) {
            List<String> inFolder = siblings.stream().filter(s -> s.startsWith(folder + "/")).sorted().toList();
            List<String> weights = inFolder.stream().filter(s -> weightOf(s) != null).toList();
            if (weights.isEmpty()) {
                chosen.addAll(inFolder);
                continue;
            }
            if (inFolder.contains(folder + "/config.json")) chosen.add(folder + "/config.json");
            chosen.addAll(preferredWeights(weights, variant));
        }
        return new ArrayList<>(chosen);
    }

    /** Whether any weight file of the repo is of this variant (asking for a variant no file has is an error). */
    public static boolean hasVariant(List<String> siblings, String variant) {
        return siblings.stream().map(PipelineFiles::weightOf).anyMatch(w -> w != null && variant.equals(w.variant));
    }

    /** The component folders model_index.json lists with a class, but for the ones sd-ij never needs. */
    static List<String> components(JsonObject modelIndex) {
        boolean depth = modelIndex.has("depth_estimator");
        List<String> folders = new ArrayList<>();
        for (String key : new TreeSet<>(modelIndex.keySet())) {
            JsonElement value = modelIndex.get(key);
            if (key.startsWith("_") || !value.isJsonArray() || NEVER.contains(key)) continue;
            if (key.equals("feature_extractor") && !depth) continue;
            var pair = value.getAsJsonArray();
            if (pair.size() < 2 || pair.get(1).isJsonNull()) continue; // a component set to None
            folders.add(key);
        }
        return folders;
    }

    private record Weight(String prefix, String variant, String format) {}

    private static Weight weightOf(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        Matcher m = WEIGHTS.matcher(name);
        if (!m.matches()) return null;
        String variant = m.group(3) != null ? m.group(3) : m.group(8);
        if (variant != null && variant.equals("index")) return null;
        return new Weight(m.group(1), variant, m.group(5));
    }

    /**
     * One folder's weights: of the variant where it has them, else the plain ones; safetensors over bin. A
     * folder without files of the variant falls back to its plain weights, as diffusers does.
     */
    private static List<String> preferredWeights(List<String> weights, String variant) {
        for (String format : List.of("safetensors", "bin")) {
            if (variant != null) {
                List<String> v = pick(weights, variant, format);
                if (!v.isEmpty()) return v;
            }
            List<String> plain = pick(weights, null, format);
            if (!plain.isEmpty()) return plain;
        }
        return List.of();
    }

    private static List<String> pick(List<String> weights, String variant, String format) {
        return weights.stream().filter(w -> {
            Weight x = weightOf(w);
            return x.format.equals(format) && java.util.Objects.equals(x.variant, variant);
        }).toList();
    }
}
