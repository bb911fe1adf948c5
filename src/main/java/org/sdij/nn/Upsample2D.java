package org.sdij.nn;

import ai.djl.ndarray.NDArray;

/** Nearest-neighbour upsampling (2x, or to a given size) followed by a 3x3 conv ({@code conv.*}). */
public final class Upsample2D {
    private final Conv2dLayer conv;

    public Upsample2D(Weights w, int channels) {
        conv = Conv2dLayer.load(w.sub("conv"), channels, channels, 3);
    }

    public NDArray forward(NDArray x) {
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        return forward(x, 2 * h, 2 * w);
    }

    /** Upsample to exactly {@code height x width} (the UNet's path for sizes not divisible by its factor). */
    public NDArray forward(NDArray x, long height, long width) {
        return ForwardScope.block(() -> conv.forward(Ops.upsampleNearest(x, height, width)));
    }
}
