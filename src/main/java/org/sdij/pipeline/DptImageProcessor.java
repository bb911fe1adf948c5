package org.sdij.pipeline;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * transformers' {@code DPTImageProcessor} (the {@code feature_extractor/} of SD 2 depth) from its
 * {@code preprocessor_config.json}: the image as 8-bit RGB, resized by Pillow ({@link PillowResize}) to
 * {@code size} (or, with {@code keep_aspect_ratio}, scaled as little as possible and rounded to a multiple of
 * {@code ensure_multiple_of}), rescaled (float64 product rounded to float32) and normalised per channel in float32.
 * Keys that are absent take the processor's defaults.
 */
public record DptImageProcessor(boolean resize, int width, int height, boolean keepAspectRatio, int multipleOf,
                                PillowResize.Filter resample, boolean rescale, double rescaleFactor,
                                boolean normalize, float[] mean, float[] std) {

    /** Pixel values [3, height, width], row-major per channel. */
    public record Pixels(int width, int height, float[] values) {}

    public static DptImageProcessor fromJson(JsonObject o) {
        try {
            int width = 384;
            int height = 384;
            JsonElement size = o.get("size");
            if (size != null && size.isJsonObject()) {
                JsonObject s = size.getAsJsonObject();
                if (s.has("shortest_edge")) {
                    throw new IllegalArgumentException("size {shortest_edge} is not supported: give height and width");
                }
                height = s.get("height").getAsInt();
                width = s.get("width").getAsInt();
            } else if (size != null && size.isJsonPrimitive()) {
                width = height = size.getAsInt();
            }
            if (o.has("do_pad") && o.get("do_pad").getAsBoolean()) {
                throw new IllegalArgumentException("do_pad is not supported");
            }
            return new DptImageProcessor(bool(o, "do_resize", true), width, height, bool(o, "keep_aspect_ratio", false),
                    o.has("ensure_multiple_of") ? o.get("ensure_multiple_of").getAsInt() : 1,
                    PillowResize.Filter.of(o.has("resample") ? o.get("resample").getAsInt() : 3),
                    bool(o, "do_rescale", true), o.has("rescale_factor") ? o.get("rescale_factor").getAsDouble() : 1 / 255.0,
                    bool(o, "do_normalize", true), floats(o, "image_mean"), floats(o, "image_std"));
        } catch (IllegalStateException | UnsupportedOperationException | NullPointerException | NumberFormatException e) {
            throw new IllegalArgumentException("a value has the wrong kind: " + e.getMessage(), e);
        }
    }

    public DptImageProcessor {
        if (width <= 0 || height <= 0 || multipleOf <= 0) {
            throw new IllegalArgumentException("size " + width + "x" + height + " / ensure_multiple_of " + multipleOf
                    + " must be positive");
        }
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("image_mean and image_std need 3 values");
    }

    /** The size the image goes to the network at, {width, height}. */
    public int[] outputSize(int imageWidth, int imageHeight) {
        if (!resize) return new int[] {imageWidth, imageHeight};
        double scaleHeight = (double) height / imageHeight;
        double scaleWidth = (double) width / imageWidth;
        if (keepAspectRatio) {
            if (Math.abs(1 - scaleWidth) < Math.abs(1 - scaleHeight)) scaleHeight = scaleWidth;
            else scaleWidth = scaleHeight;
        }
        return new int[] {multiple(scaleWidth * imageWidth), multiple(scaleHeight * imageHeight)};
    }

    /** transformers' constraint_to_multiple_of without bounds: round half to even, never below 0. */
    private int multiple(double value) {
        double x = Math.rint(value / multipleOf) * multipleOf;
        if (x < 0) x = Math.ceil(value / multipleOf) * multipleOf;
        return (int) x;
    }

    /** The 8-bit image the network's input is made of: Pillow's resize of the image's 8-bit RGB values. */
    public int[][] resized(RgbImage image) {
        int n = image.width() * image.height();
        int[][] bytes = new int[3][n];
        for (int c = 0; c < 3; c++) {
            float[] plane = image.planes()[c];
            for (int i = 0; i < n; i++) bytes[c][i] = RgbImage.toByte(plane[i]);
        }
        int[] size = outputSize(image.width(), image.height());
        if (size[0] <= 0 || size[1] <= 0) {
            throw new IllegalArgumentException("the image processor would resize " + image.width() + "x"
                    + image.height() + " to " + size[0] + "x" + size[1]);
        }
        return PillowResize.resize(bytes, image.width(), image.height(), size[0], size[1], resample);
    }

    public Pixels preprocess(RgbImage image) {
        int[] size = outputSize(image.width(), image.height());
        int[][] bytes = resized(image);
        int n = size[0] * size[1];
        float[] values = new float[3 * n];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                float v = rescale ? (float) (bytes[c][i] * rescaleFactor) : bytes[c][i];
                values[c * n + i] = normalize ? (v - mean[c]) / std[c] : v;
            }
        }
        return new Pixels(size[0], size[1], values);
    }

    private static boolean bool(JsonObject o, String key, boolean fallback) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsBoolean() : fallback;
    }

    private static float[] floats(JsonObject o, String key) {
        if (!o.has(key) || o.get(key).isJsonNull()) return new float[] {0.5f, 0.5f, 0.5f};
        JsonElement e = o.get(key);
        if (e.isJsonPrimitive()) {
            float v = e.getAsFloat();
            return new float[] {v, v, v};
        }
        JsonArray a = e.getAsJsonArray();
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsFloat();
        return out;
    }
}
