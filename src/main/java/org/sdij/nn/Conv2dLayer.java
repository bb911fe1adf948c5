package org.sdij.nn;

import ai.djl.ndarray.NDArray;

/**
 * A square-kernel 2-D convolution with bias, loaded as {@code weight} [out, in, k, k] and {@code bias} [out].
 * Built from low-memory weights it convolves large inputs in bands of rows ({@link Ops#conv2dInBands}).
 */
public final class Conv2dLayer {
    private final NDArray weight;
    private final NDArray bias;
    private final int stride;
    private final int padding;
    private final boolean inBands;

    private Conv2dLayer(NDArray weight, NDArray bias, int stride, int padding, boolean inBands) {
        this.weight = weight;
        this.bias = bias;
        this.stride = stride;
        this.padding = padding;
        this.inBands = inBands;
    }

    public static Conv2dLayer load(Weights w, int in, int out, int kernel, int stride, int padding) {
        return new Conv2dLayer(w.get("weight", out, in, kernel, kernel), w.get("bias", out), stride, padding,
                w.lowMemory());
    }

    /** A convolution whose checkpoint holds no bias. */
    public static Conv2dLayer loadWithoutBias(Weights w, int in, int out, int kernel, int stride, int padding) {
        return new Conv2dLayer(w.get("weight", out, in, kernel, kernel), null, stride, padding, w.lowMemory());
    }

    /** Stride 1, "same" padding for an odd kernel. */
    public static Conv2dLayer load(Weights w, int in, int out, int kernel) {
        return load(w, in, out, kernel, 1, (kernel - 1) / 2);
    }

    public NDArray forward(NDArray x) {
        return inBands ? Ops.conv2dInBands(x, weight, bias, stride, padding) : Ops.conv2d(x, weight, bias, stride, padding);
    }
}
