package org.sdij.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * A stride-2 3x3 conv ({@code conv.*}). With padding 0 (the VAE encoder) the input is first padded by one
 * zero row and column at the bottom and right, as diffusers does, so odd sizes round up.
 */
public final class Downsample2D {
    private final Conv2dLayer conv;
    private final boolean padBottomRight;

    public Downsample2D(Weights w, int channels, int padding) {
        conv = Conv2dLayer.load(w.sub("conv"), channels, channels, 3, 2, padding);
        padBottomRight = padding == 0;
    }

    public NDArray forward(NDArray x) {
        // pad() takes (left, right, top, bottom) from the last dimension backwards, as torch's F.pad
        return ForwardScope.block(() -> conv.forward(padBottomRight ? x.pad(new Shape(0, 1, 0, 1), 0) : x));
    }
}
