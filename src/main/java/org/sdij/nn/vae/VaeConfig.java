package org.sdij.nn.vae;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A diffusers {@code AutoencoderKL} config ({@code vae/config.json}). {@code scalingFactor} maps latents to
 * the unit-variance space the UNet works in (0.18215 for SD 1/2, 0.08333 for the x4 upscaler).
 */
public record VaeConfig(
        int inChannels,
        int outChannels,
        int[] blockOutChannels,
        int layersPerBlock,
        int latentChannels,
        int normNumGroups,
        int sampleSize,
        double scalingFactor,
        boolean forceUpcast,
        boolean midBlockAddAttention,
        boolean useQuantConv,
        boolean usePostQuantConv) {

    public static final String DOWN = "DownEncoderBlock2D";
    public static final String UP = "UpDecoderBlock2D";

    public int levels() {
        return blockOutChannels.length;
    }

    /** Pixels per latent pixel along each side: 2^(levels - 1). */
    public int downscaleFactor() {
        return 1 << (levels() - 1);
    }

    public static VaeConfig load(Path configJson) throws IOException {
        String text = Files.readString(configJson, StandardCharsets.UTF_8);
        try {
            return fromJson(JsonParser.parseString(text).getAsJsonObject());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException("VAE config " + configJson + ": " + e.getMessage(), e);
        }
    }

    public static VaeConfig fromJson(JsonObject c) {
        if (has(c, "act_fn") && !c.get("act_fn").getAsString().equals("silu")) throw unsupported("act_fn", c.get("act_fn"));
        if (has(c, "shift_factor") && c.get("shift_factor").getAsDouble() != 0) {
            throw unsupported("shift_factor", c.get("shift_factor"));
        }
        int[] blockOut = has(c, "block_out_channels") ? ints(c, "block_out_channels") : new int[] {64};
        checkTypes(c, "down_block_types", DOWN, blockOut.length);
        checkTypes(c, "up_block_types", UP, blockOut.length);
        return new VaeConfig(
                integer(c, "in_channels", 3),
                integer(c, "out_channels", 3),
                blockOut,
                integer(c, "layers_per_block", 1),
                integer(c, "latent_channels", 4),
                integer(c, "norm_num_groups", 32),
                integer(c, "sample_size", 32),
                has(c, "scaling_factor") ? c.get("scaling_factor").getAsDouble() : 0.18215,
                bool(c, "force_upcast", true),
                bool(c, "mid_block_add_attention", true),
                bool(c, "use_quant_conv", true),
                bool(c, "use_post_quant_conv", true));
    }

    private static void checkTypes(JsonObject c, String key, String supported, int levels) {
        if (!has(c, key)) {
            if (levels != 1) throw new IllegalArgumentException(key + " is missing");
            return;
        }
        var types = c.getAsJsonArray(key);
        if (types.size() != levels) {
            throw new IllegalArgumentException(key + " has " + types.size() + " entries for " + levels + " levels");
        }
        for (JsonElement t : types) {
            if (!t.getAsString().equals(supported)) throw unsupported(key, t);
        }
    }

    private static boolean has(JsonObject c, String key) {
        return c.has(key) && !c.get(key).isJsonNull();
    }

    private static IllegalArgumentException unsupported(String key, Object value) {
        return new IllegalArgumentException("unsupported VAE config " + key + " = " + value);
    }

    private static int integer(JsonObject c, String key, int fallback) {
        return has(c, key) ? c.get(key).getAsInt() : fallback;
    }

    private static boolean bool(JsonObject c, String key, boolean fallback) {
        return has(c, key) ? c.get(key).getAsBoolean() : fallback;
    }

    private static int[] ints(JsonObject c, String key) {
        var a = c.getAsJsonArray(key);
        int[] values = new int[a.size()];
        for (int i = 0; i < values.length; i++) values[i] = a.get(i).getAsInt();
        return values;
    }
}
