package org.sdij.pipeline;

/**
 * An RGB picture as the pipelines see it: three planes of float values in [0, 1], row-major,
 * {@code planes[c][y * width + x]}. The core knows no other image type.
 */
public record RgbImage(int width, int height, float[][] planes) {

    public RgbImage {
        if (planes.length != 3) throw new IllegalArgumentException("an RGB image needs 3 planes, got " + planes.length);
        for (float[] p : planes) {
            if (p.length != (long) width * height) {
                throw new IllegalArgumentException("plane of " + p.length + " values for " + width + "x" + height);
            }
        }
    }

    public static RgbImage blank(int width, int height) {
        return new RgbImage(width, height, new float[][] {
            new float[width * height], new float[width * height], new float[width * height]});
    }

    public float get(int channel, int x, int y) {
        return planes[channel][y * width + x];
    }

    /** Interleaved [H, W, 3] values, the layout of diffusers' numpy output. */
    public float[] toHwc() {
        float[] out = new float[width * height * 3];
        for (int i = 0; i < width * height; i++) {
            out[3 * i] = planes[0][i];
            out[3 * i + 1] = planes[1][i];
            out[3 * i + 2] = planes[2][i];
        }
        return out;
    }

    /** Values in [-1, 1] as [3, H, W], the VAE's input. */
    public float[] toSignedChw() {
        int n = width * height;
        float[] out = new float[3 * n];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) out[c * n + i] = planes[c][i] * 2f - 1f;
        }
        return out;
    }

    /** 8-bit value as a PNG holds it: round-half-even(v * 255) of the clamped value, as numpy_to_pil */
    public static int toByte(float v) {
        float clamped = Math.max(0f, Math.min(1f, v));
        return (int) Math.rint(clamped * 255f);
    }
}
