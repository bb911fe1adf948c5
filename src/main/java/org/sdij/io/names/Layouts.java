package org.sdij.io.names;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows each {@code @each} section of a name table repeats over, read from a diffusers config:
 * which blocks exist, their running LDM index, and which resnets change their channel count (only
 * those have a shortcut conv). This is the structure of the networks, nothing more; the names are
 * in the tables.
 */
final class Layouts {
    private Layouts() {}

    /** Rows of layouts, each a map of placeholder values. */
    static final class Rows {
        private final Map<String, List<Map<String, String>>> rows = new LinkedHashMap<>();

        Rows(String... layouts) {
            for (String layout : layouts) rows.put(layout, new ArrayList<>());
        }

        void add(String layout, Object... keyValues) {
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < keyValues.length; i += 2) row.put((String) keyValues[i], String.valueOf(keyValues[i + 1]));
            rows.get(layout).add(row);
        }

        Map<String, List<Map<String, String>>> asMap() {
            return Collections.unmodifiableMap(rows);
        }
    }

    static Map<String, List<Map<String, String>>> unet(JsonObject config) {
        List<Integer> channels = ints(config, "block_out_channels", "UNet");
        int n = channels.size();
        List<Boolean> downAttention = attention(strings(config, "down_block_types", n, "UNet"),
                "CrossAttnDownBlock2D", "DownBlock2D");
        List<Boolean> upAttention = attention(strings(config, "up_block_types", n, "UNet"),
                "CrossAttnUpBlock2D", "UpBlock2D");
        List<Integer> layers = perLevel(config, "layers_per_block", n, 2, "UNet");
        List<Integer> transformers = perLevel(config, "transformer_layers_per_block", n, 1, "UNet");
        String mid = string(config, "mid_block_type", "UNetMidBlock2DCrossAttn");
        if (!mid.equals("UNetMidBlock2DCrossAttn")) throw unsupported("UNet", "mid_block_type " + mid);

        Rows rows = new Rows("class_embedding", "down_resnet", "down_resnet_shortcut", "down_attention",
                "down_transformer", "downsampler", "mid_transformer", "up_resnet", "up_resnet_shortcut",
                "up_attention", "up_transformer", "upsampler");
        if (!isNull(config, "class_embed_type")) throw unsupported("UNet", "class_embed_type " + config.get("class_embed_type"));
        if (!isNull(config, "num_class_embeds")) rows.add("class_embedding");

        int block = 1; // input_blocks.0 is conv_in
        for (int level = 0; level < n; level++) {
            for (int layer = 0; layer < layers.get(level); layer++) {
                int in = layer > 0 ? channels.get(level) : channels.get(Math.max(level - 1, 0));
                addBlock(rows, "down", level, layer, block, in != channels.get(level),
                        downAttention.get(level), transformers.get(level));
                block++;
            }
            if (level < n - 1) rows.add("downsampler", "level", level, "block", block++);
        }
        for (int t = 0; t < transformers.get(n - 1); t++) rows.add("mid_transformer", "t", t);

        List<Integer> reversed = reversed(channels);
        List<Integer> upLayers = reversed(layers);
        List<Integer> upTransformers = config.has("reverse_transformer_layers_per_block")
                && !isNull(config, "reverse_transformer_layers_per_block")
                ? perLevel(config, "reverse_transformer_layers_per_block", n, 1, "UNet") : reversed(transformers);
        block = 0;
        for (int level = 0; level < n; level++) {
            int out = reversed.get(level);
            int previous = reversed.get(Math.max(level - 1, 0));
            int skipFromInput = reversed.get(Math.min(level + 1, n - 1));
            int last = upLayers.get(level);
            for (int layer = 0; layer <= last; layer++) {
                int in = (layer == 0 ? previous : out) + (layer == last ? skipFromInput : out);
                addBlock(rows, "up", level, layer, block, in != out, upAttention.get(level), upTransformers.get(level));
                if (layer == last && level < n - 1) {
                    rows.add("upsampler", "level", level, "block", block, "slot", upAttention.get(level) ? 2 : 1);
                }
                block++;
            }
        }
        return rows.asMap();
    }

    private static void addBlock(Rows rows, String side, int level, int layer, int block, boolean shortcut,
                                 boolean attention, int transformers) {
        rows.add(side + "_resnet", "level", level, "layer", layer, "block", block);
        if (shortcut) rows.add(side + "_resnet_shortcut", "level", level, "layer", layer, "block", block);
        if (!attention) return;
        rows.add(side + "_attention", "level", level, "layer", layer, "block", block);
        for (int t = 0; t < transformers; t++) {
            rows.add(side + "_transformer", "level", level, "layer", layer, "block", block, "t", t);
        }
    }

    static Map<String, List<Map<String, String>>> vae(JsonObject config) {
        List<Integer> channels = ints(config, "block_out_channels", "VAE");
        int n = channels.size();
        attention(strings(config, "down_block_types", n, "VAE"), null, "DownEncoderBlock2D");
        attention(strings(config, "up_block_types", n, "VAE"), null, "UpDecoderBlock2D");
        int layers = perLevel(config, "layers_per_block", 1, 1, "VAE").get(0);

        Rows rows = new Rows("encoder_resnet", "encoder_resnet_shortcut", "encoder_downsampler",
                "decoder_resnet", "decoder_resnet_shortcut", "decoder_upsampler");
        for (int level = 0; level < n; level++) {
            for (int layer = 0; layer < layers; layer++) {
                int in = layer > 0 ? channels.get(level) : channels.get(Math.max(level - 1, 0));
                rows.add("encoder_resnet", "level", level, "layer", layer);
                if (in != channels.get(level)) rows.add("encoder_resnet_shortcut", "level", level, "layer", layer);
            }
            if (level < n - 1) rows.add("encoder_downsampler", "level", level);
        }
        List<Integer> reversed = reversed(channels);
        for (int level = 0; level < n; level++) {
            int ldmLevel = n - 1 - level;
            int out = reversed.get(level);
            for (int layer = 0; layer <= layers; layer++) {
                int in = layer > 0 ? out : reversed.get(Math.max(level - 1, 0));
                rows.add("decoder_resnet", "level", level, "ldm_level", ldmLevel, "layer", layer);
                if (in != out) rows.add("decoder_resnet_shortcut", "level", level, "ldm_level", ldmLevel, "layer", layer);
            }
            if (level < n - 1) rows.add("decoder_upsampler", "level", level, "ldm_level", ldmLevel);
        }
        return rows.asMap();
    }

    /** {@code text_layer}: the layers the config runs; {@code dropped_text_layer}: the one after them. */
    static Map<String, List<Map<String, String>>> text(JsonObject config) {
        int layers = perLevel(config, "num_hidden_layers", 1, -1, "text encoder").get(0);
        if (layers < 1) throw new IllegalArgumentException("The text encoder config needs num_hidden_layers >= 1.");
        Rows rows = new Rows("text_layer", "dropped_text_layer");
        for (int layer = 0; layer < layers; layer++) rows.add("text_layer", "layer", layer);
        rows.add("dropped_text_layer", "layer", layers);
        return rows.asMap();
    }

    // ---- config reading

    private static List<Boolean> attention(List<String> types, String withAttention, String without) {
        List<Boolean> out = new ArrayList<>();
        for (String type : types) {
            if (type.equals(without)) out.add(false);
            else if (type.equals(withAttention)) out.add(true);
            else throw new IllegalArgumentException("Block type " + type + " is not part of a Stable Diffusion 1/2 "
                    + "network (expected " + (withAttention == null ? without : withAttention + " or " + without) + ").");
        }
        return out;
    }

    private static List<Integer> ints(JsonObject config, String key, String what) {
        JsonElement e = config.get(key);
        if (e == null || !e.isJsonArray() || e.getAsJsonArray().isEmpty()) {
            throw new IllegalArgumentException("The " + what + " config needs a list '" + key + "'.");
        }
        List<Integer> out = new ArrayList<>();
        for (JsonElement v : e.getAsJsonArray()) out.add(v.getAsInt());
        return out;
    }

    /** A per-level value written once (a number) or per level (a list); {@code fallback} < 0: required. */
    private static List<Integer> perLevel(JsonObject config, String key, int levels, int fallback, String what) {
        JsonElement e = config.get(key);
        if (e == null || e.isJsonNull()) {
            if (fallback < 0) throw new IllegalArgumentException("The " + what + " config needs '" + key + "'.");
            return Collections.nCopies(levels, fallback);
        }
        if (e.isJsonPrimitive()) return Collections.nCopies(levels, e.getAsInt());
        JsonArray array = e.getAsJsonArray();
        if (array.size() != levels) {
            throw new IllegalArgumentException("The " + what + " config's '" + key + "' has " + array.size()
                    + " entries for " + levels + " levels.");
        }
        List<Integer> out = new ArrayList<>();
        for (JsonElement v : array) {
            if (!v.isJsonPrimitive()) throw unsupported(what, key + " " + array);
            out.add(v.getAsInt());
        }
        return out;
    }

    private static List<String> strings(JsonObject config, String key, int levels, String what) {
        JsonElement e = config.get(key);
        if (e == null || !e.isJsonArray() || e.getAsJsonArray().size() != levels) {
            throw new IllegalArgumentException("The " + what + " config needs '" + key + "' with one entry per level ("
                    + levels + ").");
        }
        List<String> out = new ArrayList<>();
        for (JsonElement v : e.getAsJsonArray()) out.add(v.getAsString());
        return out;
    }

    private static String string(JsonObject config, String key, String fallback) {
        return isNull(config, key) ? fallback : config.get(key).getAsString();
    }

    private static boolean isNull(JsonObject config, String key) {
        return !config.has(key) || config.get(key).isJsonNull();
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> out = new ArrayList<>(list);
        Collections.reverse(out);
        return out;
    }

    private static IllegalArgumentException unsupported(String what, String detail) {
        return new IllegalArgumentException("The " + what + " config has " + detail
                + ", which Stable Diffusion 1/2 networks do not use.");
    }
}
