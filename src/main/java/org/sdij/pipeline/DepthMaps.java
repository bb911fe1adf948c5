package org.sdij.pipeline;

/**
 * The depth conditioning of the depth-to-image pipeline, as diffusers' StableDiffusionDepth2ImgPipeline
 * .prepare_depth_map computes it from a given depth map: bicubic resize to latent size (torch's, see
 * {@link BicubicResize}), each map stretched to [-1, 1] by its own min and max, repeated for the batch and
 * doubled for classifier-free guidance.
 */
public final class DepthMaps {
    private DepthMaps() {}

    /**
     * A map whose resized range is at most this many ulps of its largest magnitude is flat: resizing a
     * constant map leaves a few ulps of rounding noise, which diffusers would stretch to [-1, 1] (or, for an
     * exactly constant result, divide 0 by 0 into NaN).
     */
    static final int FLAT_ULPS = 64;

    /**
     * @param depth        {@code count} maps of height x width, row-major [count, height, width]; any units and
     *                     any direction (diffusers takes the depth estimator's relative inverse depth as is)
     * @param latentHeight image height / VAE scale factor (diffusers: {@code height // vae_scale_factor} of the
     *                     init image, not of the depth map: a map of another size is simply resized)
     * @param batchSize    images per run; {@code count} must be 1, {@code batchSize}, or divide it (the maps
     *                     are then tiled as torch's repeat does)
     * @param guidance     whether classifier-free guidance runs (the result is then doubled: [uncond, cond])
     * @return [(guidance ? 2 : 1) * max(count, batchSize), 1, latentHeight, latentWidth]. Values in [-1, 1];
     *         a flat map (constant, see {@link #FLAT_ULPS}) gives 0 everywhere instead of diffusers' NaN or
     *         amplified rounding noise.
     * @throws IllegalArgumentException on NaN or infinite depth, or sizes that do not fit
     */
    public static float[] prepare(float[] depth, int count, int height, int width, int latentHeight,
                                  int latentWidth, int batchSize, boolean guidance) {
        if (count <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("depth maps: count " + count + " and batch size " + batchSize
                    + " must be positive");
        }
        if (count < batchSize && batchSize % count != 0) {
            throw new IllegalArgumentException(count + " depth maps cannot be repeated to a batch of " + batchSize);
        }
        for (float d : depth) {
            if (!Float.isFinite(d)) throw new IllegalArgumentException("depth map holds " + d + " values");
        }
        float[] resized = BicubicResize.resize(depth, count, 1, height, width, latentHeight, latentWidth);
        int plane = latentHeight * latentWidth;
        for (int i = 0; i < count; i++) normalise(resized, i * plane, plane);

        int rows = Math.max(count, batchSize);
        int copies = guidance ? 2 : 1;
        float[] out = new float[copies * rows * plane];
        for (int r = 0; r < copies * rows; r++) {
            System.arraycopy(resized, (r % count) * plane, out, r * plane, plane);
        }
        return out;
    }

    /** 2 * (d - min) / (max - min) - 1 in float32 as torch evaluates it, or 0 for a flat map. */
    private static void normalise(float[] values, int from, int length) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < from + length; i++) {
            min = Math.min(min, values[i]);
            max = Math.max(max, values[i]);
        }
        float range = max - min;
        if (range <= FLAT_ULPS * Math.ulp(Math.max(Math.abs(min), Math.abs(max)))) {
            java.util.Arrays.fill(values, from, from + length, 0f);
            return;
        }
        for (int i = from; i < from + length; i++) {
            values[i] = 2f * (values[i] - min) / range - 1f;
        }
    }
}
