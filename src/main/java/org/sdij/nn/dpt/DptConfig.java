package org.sdij.nn.dpt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.Locale;

/**
 * The shape of a DPT-Hybrid depth estimator as transformers' {@code DPTConfig} stores it (a depth estimator's
 * {@code config.json}), with its BiT backbone ({@code backbone_config}). Only what the depth forward pass reads;
 * keys that are absent take transformers' defaults. The MiDaS v3 {@code dpt_hybrid} of SD 2 depth is {@link #midasHybrid}.
 */
public record DptConfig(
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        double layerNormEps,
        int imageSize,
        int patchSize,
        int numChannels,
        boolean qkvBias,
        int[] backboneOutIndices,
        double[] reassembleFactors,
        int[] neckHiddenSizes,
        int fusionHiddenSize,
        int headInIndex,
        boolean batchNormInFusion,
        boolean biasInFusion,
        boolean addProjection,
        int backboneFeatureChannels,
        Bit backbone) {

    /** The BiT ResNet ({@code BitConfig}) the hybrid embeddings run first. */
    public record Bit(int numChannels, int embeddingSize, int[] hiddenSizes, int[] depths, int numGroups,
                      boolean embeddingDynamicPadding, int outputStride, double widthFactor) {

        public Bit {
            if (depths.length != 3) {
                throw new IllegalArgumentException("DPT-Hybrid needs a BiT backbone of 3 stages, not " + depths.length);
            }
            if (hiddenSizes.length < depths.length) {
                throw new IllegalArgumentException("BiT hidden_sizes " + Arrays.toString(hiddenSizes)
                        + " name fewer stages than depths " + Arrays.toString(depths));
            }
        }

        /** A stage's output channels: transformers' make_div(hidden_size * width_factor). */
        public int stageChannels(int stage) {
            return makeDivisible(hiddenSizes[stage] * widthFactor, 8);
        }
    }

    public DptConfig {
        if (hiddenSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0 || intermediateSize <= 0
                || imageSize <= 0 || patchSize <= 0 || fusionHiddenSize <= 1) {
            throw new IllegalArgumentException("DPT config has a non-positive size");
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("DPT hidden_size " + hiddenSize + " is not a multiple of "
                    + "num_attention_heads " + numAttentionHeads);
        }
        if (neckHiddenSizes.length != 4 || reassembleFactors.length != 4 || backboneOutIndices.length != 4) {
            throw new IllegalArgumentException("DPT-Hybrid needs 4 neck stages (neck_hidden_sizes, reassemble_factors,"
                    + " backbone_out_indices)");
        }
        for (int i = 2; i < 4; i++) {
            if (backboneOutIndices[i] < 0 || backboneOutIndices[i] >= numHiddenLayers) {
                throw new IllegalArgumentException("DPT backbone_out_indices " + Arrays.toString(backboneOutIndices)
                        + " name a layer outside the " + numHiddenLayers + " encoder layers");
            }
        }
        if (headInIndex != -1 && headInIndex != 3) {
            throw new IllegalArgumentException("DPT head_in_index " + headInIndex + " is not supported (-1)");
        }
        if (batchNormInFusion) {
            throw new IllegalArgumentException("DPT use_batch_norm_in_fusion_residual is not supported (MiDaS"
                    + " dpt_hybrid has none)");
        }
    }

    /** Tokens per side of the patch grid. */
    public int grid() {
        return imageSize / patchSize;
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** transformers' make_div: round to a multiple of {@code divisor}, never below 90% of the value. */
    static int makeDivisible(double value, int divisor) {
        int rounded = Math.max(divisor, (int) (value + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }

    /** Intel/dpt-hybrid-midas, the depth estimator of stabilityai/stable-diffusion-2-depth. */
    public static DptConfig midasHybrid() {
        return new DptConfig(768, 12, 12, 3072, 1e-12, 384, 16, 3, true, new int[] {2, 5, 8, 11},
                new double[] {1, 1, 1, 0.5}, new int[] {256, 512, 768, 768}, 256, -1, false, true, false, 1024,
                new Bit(3, 64, new int[] {256, 512, 1024, 2048}, new int[] {3, 4, 9}, 32, true, 32, 1));
    }

    /**
     * From a {@code config.json}. Only the hybrid form (BiT "bottleneck" backbone, SAME padding, "project"
     * readout, GELU) is built; anything else is refused with what the file says.
     */
    public static DptConfig fromJson(JsonObject o) {
        try {
            String type = string(o, "model_type", null);
            if (!"dpt".equals(type)) {
                throw new IllegalArgumentException((type == null ? "no model_type" : "model_type is '" + type + "'")
                        + ": not a transformers DPT config (model_type 'dpt')");
            }
            if (!bool(o, "is_hybrid", false)) {
                throw new IllegalArgumentException("this DPT is not a hybrid (is_hybrid is false): only DPT-Hybrid"
                        + " (MiDaS dpt_hybrid, as SD 2 depth ships) is supported");
            }
            require(string(o, "readout_type", "project"), "project", "readout_type");
            require(string(o, "hidden_act", "gelu"), "gelu", "hidden_act");
            JsonObject b = o.has("backbone_config") && o.get("backbone_config").isJsonObject()
                    ? o.getAsJsonObject("backbone_config") : new JsonObject();
            require(string(b, "model_type", "bit"), "bit", "backbone_config.model_type");
            require(string(b, "layer_type", "bottleneck"), "bottleneck", "backbone_config.layer_type");
            require(string(b, "global_padding", "SAME").toUpperCase(Locale.ROOT), "SAME", "backbone_config.global_padding");
            require(string(b, "hidden_act", "relu"), "relu", "backbone_config.hidden_act");
            Bit bit = new Bit(integer(b, "num_channels", 3), integer(b, "embedding_size", 64),
                    ints(b, "hidden_sizes", new int[] {256, 512, 1024, 2048}), ints(b, "depths", new int[] {3, 4, 9}),
                    integer(b, "num_groups", 32), bool(b, "embedding_dynamic_padding", true),
                    integer(b, "output_stride", 32), number(b, "width_factor", 1));
            boolean batchNorm = bool(o, "use_batch_norm_in_fusion_residual", false);
            JsonElement bias = o.get("use_bias_in_fusion_residual");
            int[] featmap = ints(o, "backbone_featmap_shape", new int[] {1, 1024, 24, 24});
            return new DptConfig(integer(o, "hidden_size", 768), integer(o, "num_hidden_layers", 12),
                    integer(o, "num_attention_heads", 12), integer(o, "intermediate_size", 3072),
                    number(o, "layer_norm_eps", 1e-12), integer(o, "image_size", 384), integer(o, "patch_size", 16),
                    integer(o, "num_channels", 3), bool(o, "qkv_bias", true),
                    ints(o, "backbone_out_indices", new int[] {2, 5, 8, 11}),
                    doubles(o, "reassemble_factors", new double[] {4, 2, 1, 0.5}),
                    ints(o, "neck_hidden_sizes", new int[] {96, 192, 384, 768}), integer(o, "fusion_hidden_size", 256),
                    integer(o, "head_in_index", -1), batchNorm,
                    bias == null || bias.isJsonNull() ? !batchNorm : bias.getAsBoolean(),
                    bool(o, "add_projection", false), featmap.length == 4 ? featmap[1] : -1, bit);
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException | NumberFormatException e) {
            throw new IllegalArgumentException("a value has the wrong kind: " + e.getMessage(), e);
        }
    }

    private static void require(String value, String wanted, String key) {
        if (!value.equals(wanted)) {
            throw new IllegalArgumentException(key + " is '" + value + "'; DPT-Hybrid needs '" + wanted + "'");
        }
    }

    private static boolean present(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull();
    }

    private static String string(JsonObject o, String key, String fallback) {
        return present(o, key) ? o.get(key).getAsString() : fallback;
    }

    private static int integer(JsonObject o, String key, int fallback) {
        return present(o, key) ? o.get(key).getAsInt() : fallback;
    }

    private static double number(JsonObject o, String key, double fallback) {
        return present(o, key) ? o.get(key).getAsDouble() : fallback;
    }

    private static boolean bool(JsonObject o, String key, boolean fallback) {
        return present(o, key) ? o.get(key).getAsBoolean() : fallback;
    }

    private static int[] ints(JsonObject o, String key, int[] fallback) {
        if (!present(o, key)) return fallback;
        JsonArray a = o.getAsJsonArray(key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    private static double[] doubles(JsonObject o, String key, double[] fallback) {
        if (!present(o, key)) return fallback;
        JsonArray a = o.getAsJsonArray(key);
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsDouble();
        return out;
    }
}
