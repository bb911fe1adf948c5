package org.sdij.nn.unet;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A diffusers {@code UNet2DConditionModel} config ({@code unet/config.json}), with per-block values
 * already expanded to one entry per down block (int-or-list keys become arrays).
 *
 * <p>{@code attentionHeads} holds head COUNTS: diffusers reads {@code num_attention_heads} and, when it is
 * null (every SD config), falls back to {@code attention_head_dim}, a historical misnomer. So SD 1's
 * {@code attention_head_dim: 8} means 8 heads and SD 2's {@code [5, 10, 20, 20]} means 5..20 heads of width 64.
 *
 * <p>Only what SD 1/2 and the x4 upscaler use is supported; other features are rejected when parsed.
 */
public record UNetConfig(
        int sampleSize,
        int inChannels,
        int outChannels,
        boolean centerInputSample,
        boolean flipSinToCos,
        double freqShift,
        List<String> downBlockTypes,
        String midBlockType,
        List<String> upBlockTypes,
        int[] blockOutChannels,
        int[] layersPerBlock,
        int downsamplePadding,
        float midBlockScaleFactor,
        int normNumGroups,
        double normEps,
        int[] crossAttentionDim,
        int[] transformerLayersPerBlock,
        int[] reverseTransformerLayersPerBlock,
        int[] attentionHeads,
        boolean[] onlyCrossAttention,
        boolean useLinearProjection,
        boolean upcastAttention,
        String classEmbedType,
        Integer numClassEmbeds,
        int timeEmbedDim,
        int convInKernel,
        int convOutKernel) {

    public static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
    public static final String DOWN = "DownBlock2D";
    public static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
    public static final String UP = "UpBlock2D";
    public static final String MID_CROSS_ATTN = "UNetMidBlock2DCrossAttn";

    public int levels() {
        return blockOutChannels.length;
    }

    /** Width of the sinusoidal timestep features (block_out_channels[0]). */
    public int timestepInputDim() {
        return blockOutChannels[0];
    }

    public boolean hasClassEmbedding() {
        return classEmbedType != null || numClassEmbeds != null;
    }

    public static UNetConfig load(Path configJson) throws IOException {
        String text = Files.readString(configJson, StandardCharsets.UTF_8);
        try {
            return fromJson(JsonParser.parseString(text).getAsJsonObject());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException("UNet config " + configJson + ": " + e.getMessage(), e);
        }
    }

    public static UNetConfig fromJson(JsonObject c) {
        requireValue(c, "act_fn", "silu");
        requireValue(c, "time_embedding_type", "positional");
        requireValue(c, "resnet_time_scale_shift", "default");
        requireValue(c, "attention_type", "default");
        for (String key : List.of("addition_embed_type", "encoder_hid_dim", "encoder_hid_dim_type", "time_cond_proj_dim",
                "timestep_post_act", "time_embedding_act_fn", "cross_attention_norm",
                "projection_class_embeddings_input_dim")) {
            if (!isNull(c, key)) throw unsupported(key, c.get(key));
        }
        for (String key : List.of("dual_cross_attention", "resnet_skip_time_act", "class_embeddings_concat")) {
            if (bool(c, key, false)) throw unsupported(key, c.get(key));
        }
        if (c.has("resnet_out_scale_factor") && number(c, "resnet_out_scale_factor", 1.0) != 1.0) {
            throw unsupported("resnet_out_scale_factor", c.get("resnet_out_scale_factor"));
        }
        if (isNull(c, "norm_num_groups") && c.has("norm_num_groups")) throw unsupported("norm_num_groups", c.get("norm_num_groups"));

        int[] blockOut = intArray(c, "block_out_channels", null, new int[] {320, 640, 1280, 1280});
        int levels = blockOut.length;
        List<String> down = strings(c, "down_block_types",
                List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN));
        List<String> up = strings(c, "up_block_types", List.of(UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP));
        if (down.size() != levels || up.size() != levels) {
            throw new IllegalArgumentException("down_block_types, up_block_types and block_out_channels differ in length");
        }
        for (String t : down) if (!t.equals(CROSS_ATTN_DOWN) && !t.equals(DOWN)) throw unsupported("down_block_types", t);
        for (String t : up) if (!t.equals(CROSS_ATTN_UP) && !t.equals(UP)) throw unsupported("up_block_types", t);
        String mid = c.has("mid_block_type") ? string(c, "mid_block_type") : MID_CROSS_ATTN;
        if (mid != null && !mid.equals(MID_CROSS_ATTN)) throw unsupported("mid_block_type", mid);

        // the naming quirk: num_attention_heads defaults to attention_head_dim
        String headsKey = isNull(c, "num_attention_heads") ? "attention_head_dim" : "num_attention_heads";
        int[] heads = intArray(c, headsKey, levels, new int[] {8, 8, 8, 8});

        String classEmbedType = string(c, "class_embed_type");
        Integer numClassEmbeds = isNull(c, "num_class_embeds") ? null : c.get("num_class_embeds").getAsInt();
        if (classEmbedType != null && !classEmbedType.equals("timestep") && !classEmbedType.equals("identity")) {
            throw unsupported("class_embed_type", classEmbedType);
        }
        int timeEmbedDim = isNull(c, "time_embedding_dim") ? 4 * blockOut[0] : c.get("time_embedding_dim").getAsInt();

        return new UNetConfig(
                isNull(c, "sample_size") ? 0 : c.get("sample_size").getAsInt(),
                integer(c, "in_channels", 4),
                integer(c, "out_channels", 4),
                bool(c, "center_input_sample", false),
                bool(c, "flip_sin_to_cos", true),
                number(c, "freq_shift", 0),
                down, mid, up, blockOut,
                intArray(c, "layers_per_block", levels, new int[] {2}),
                integer(c, "downsample_padding", 1),
                (float) number(c, "mid_block_scale_factor", 1),
                integer(c, "norm_num_groups", 32),
                number(c, "norm_eps", 1e-5),
                intArray(c, "cross_attention_dim", levels, new int[] {1280}),
                intArray(c, "transformer_layers_per_block", levels, new int[] {1}),
                isNull(c, "reverse_transformer_layers_per_block") ? null
                        : intArray(c, "reverse_transformer_layers_per_block", levels, null),
                heads,
                boolArray(c, "only_cross_attention", levels),
                bool(c, "use_linear_projection", false),
                bool(c, "upcast_attention", false),
                classEmbedType, numClassEmbeds, timeEmbedDim,
                integer(c, "conv_in_kernel", 3),
                integer(c, "conv_out_kernel", 3));
    }

    private static boolean isNull(JsonObject c, String key) {
        return !c.has(key) || c.get(key).isJsonNull();
    }

    private static void requireValue(JsonObject c, String key, String supported) {
        if (!isNull(c, key) && !c.get(key).getAsString().equals(supported)) throw unsupported(key, c.get(key));
    }

    private static IllegalArgumentException unsupported(String key, Object value) {
        return new IllegalArgumentException("unsupported UNet config " + key + " = " + value);
    }

    private static String string(JsonObject c, String key) {
        return isNull(c, key) ? null : c.get(key).getAsString();
    }

    private static int integer(JsonObject c, String key, int fallback) {
        return isNull(c, key) ? fallback : c.get(key).getAsInt();
    }

    private static double number(JsonObject c, String key, double fallback) {
        return isNull(c, key) ? fallback : c.get(key).getAsDouble();
    }

    private static boolean bool(JsonObject c, String key, boolean fallback) {
        return isNull(c, key) ? fallback : c.get(key).getAsBoolean();
    }

    private static List<String> strings(JsonObject c, String key, List<String> fallback) {
        if (isNull(c, key)) return fallback;
        List<String> out = new ArrayList<>();
        for (JsonElement e : c.getAsJsonArray(key)) out.add(e.getAsString());
        return List.copyOf(out);
    }

    /** An int or a list of ints; a single int is repeated {@code levels} times (levels null: keep the list). */
    private static int[] intArray(JsonObject c, String key, Integer levels, int[] fallback) {
        int[] values;
        if (isNull(c, key)) {
            values = fallback;
        } else if (c.get(key).isJsonArray()) {
            JsonArray a = c.getAsJsonArray(key);
            values = new int[a.size()];
            for (int i = 0; i < values.length; i++) {
                if (!a.get(i).isJsonPrimitive()) throw unsupported(key, a);
                values[i] = a.get(i).getAsInt();
            }
        } else {
            values = new int[] {c.get(key).getAsInt()};
        }
        if (levels == null) return values.clone();
        if (values.length == 1) {
            int[] repeated = new int[levels];
            Arrays.fill(repeated, values[0]);
            return repeated;
        }
        if (values.length != levels) {
            throw new IllegalArgumentException(key + " has " + values.length + " entries for " + levels + " blocks");
        }
        return values.clone();
    }

    private static boolean[] boolArray(JsonObject c, String key, int levels) {
        boolean[] values = new boolean[levels];
        if (isNull(c, key)) return values;
        JsonElement e = c.get(key);
        if (!e.isJsonArray()) {
            Arrays.fill(values, e.getAsBoolean());
            return values;
        }
        JsonArray a = e.getAsJsonArray();
        if (a.size() != levels) throw new IllegalArgumentException(key + " has " + a.size() + " entries for " + levels + " blocks");
        for (int i = 0; i < levels; i++) values[i] = a.get(i).getAsBoolean();
        return values;
    }
}
