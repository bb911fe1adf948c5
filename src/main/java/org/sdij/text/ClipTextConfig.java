package org.sdij.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The shape of a CLIP text transformer, as in a Hugging Face {@code CLIPTextConfig} ({@code text_encoder/config.json}).
 * SD 2.x's "penultimate layer" output is a config with one layer fewer than the trained network, as diffusers stores it.
 */
public record ClipTextConfig(
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        Activation hiddenAct,
        double layerNormEps,
        int maxPositionEmbeddings,
        int vocabSize) {

    public enum Activation {
        /** OpenAI CLIP's x * sigmoid(1.702 x) (SD 1.x). */
        QUICK_GELU,
        /** Exact erf GELU (OpenCLIP ViT-H, SD 2.x). */
        GELU;

        static Activation parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "quick_gelu" -> QUICK_GELU;
                case "gelu" -> GELU;
                default -> throw new IllegalArgumentException("unsupported hidden_act '" + name
                        + "' (CLIP text encoders use quick_gelu or gelu)");
            };
        }
    }

    public ClipTextConfig {
        if (hiddenSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0 || intermediateSize <= 0
                || maxPositionEmbeddings <= 0 || vocabSize <= 0 || !(layerNormEps > 0)) {
            throw new IllegalArgumentException("CLIP text config has a non-positive size: " + this);
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads "
                    + numAttentionHeads);
        }
        if (hiddenAct == null) throw new IllegalArgumentException("hidden_act is missing");
    }

    /** openai/clip-vit-large-patch14, the SD 1.x text encoder. */
    public static ClipTextConfig sd1() {
        return new ClipTextConfig(768, 12, 12, 3072, Activation.QUICK_GELU, 1e-5, 77, 49408);
    }

    /** OpenCLIP ViT-H/14 without its last layer, the SD 2.x text encoder. */
    public static ClipTextConfig sd2() {
        return new ClipTextConfig(1024, 23, 16, 4096, Activation.GELU, 1e-5, 77, 49408);
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    public ClipTextConfig withLayers(int layers) {
        return new ClipTextConfig(hiddenSize, layers, numAttentionHeads, intermediateSize, hiddenAct, layerNormEps,
                maxPositionEmbeddings, vocabSize);
    }

    /** Keys that are absent take transformers' CLIPTextConfig defaults, as transformers does. */
    public static ClipTextConfig fromJson(String json) {
        JsonObject o;
        try {
            o = JsonParser.parseString(json).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("CLIP text config is not a JSON object: " + e.getMessage(), e);
        }
        try {
            return new ClipTextConfig(
                    intValue(o, "hidden_size", 512),
                    intValue(o, "num_hidden_layers", 12),
                    intValue(o, "num_attention_heads", 8),
                    intValue(o, "intermediate_size", 2048),
                    Activation.parse(o.has("hidden_act") ? o.get("hidden_act").getAsString() : "quick_gelu"),
                    o.has("layer_norm_eps") ? o.get("layer_norm_eps").getAsDouble() : 1e-5,
                    intValue(o, "max_position_embeddings", 77),
                    intValue(o, "vocab_size", 49408));
        } catch (IllegalStateException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("CLIP text config has a value of the wrong kind: " + e.getMessage(), e);
        }
    }

    public static ClipTextConfig read(Path configJson) throws IOException {
        try {
            return fromJson(Files.readString(configJson));
        } catch (IllegalArgumentException e) {
            throw new IOException(configJson + ": " + e.getMessage(), e);
        }
    }

    private static int intValue(JsonObject o, String key, int fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsInt();
    }
}
