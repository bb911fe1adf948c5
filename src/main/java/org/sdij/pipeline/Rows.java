package org.sdij.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Batch rows as the pipelines build them: one image's values repeated, extra UNet channels stacked. */
final class Rows {
    private Rows() {}

    /** {@code times} copies of {@code one} back to back (torch's repeat along the batch). */
    static float[] repeat(float[] one, int times) {
        float[] out = new float[Math.multiplyExact(one.length, times)];
        for (int r = 0; r < times; r++) System.arraycopy(one, 0, out, r * one.length, one.length);
        return out;
    }

    /**
     * [rows, channels, height, width] whose every row is {@code parts} concatenated along channels: each part
     * one sample's [c, height, width] (the mask, the masked image's latents, the depth map, the low-res image).
     */
    static NDArray channels(NDManager manager, int rows, int height, int width, float[]... parts) {
        int plane = height * width;
        int perRow = 0;
        for (float[] part : parts) {
            if (part.length % plane != 0) {
                throw new IllegalArgumentException(part.length + " values are no whole number of " + width + "x"
                        + height + " planes");
            }
            perRow += part.length;
        }
        float[] out = new float[Math.multiplyExact(perRow, rows)];
        for (int r = 0; r < rows; r++) {
            int at = r * perRow;
            for (float[] part : parts) {
                System.arraycopy(part, 0, out, at, part.length);
                at += part.length;
            }
        }
        return manager.create(out, new Shape(rows, perRow / plane, height, width));
    }
}
