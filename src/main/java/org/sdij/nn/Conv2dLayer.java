package org.sdij.nn;

import ai.djl.ndarray.NDArray;

/**
 * A square-kernel 2-D convolution with bias, loaded as {@code weight} [out, in, k, k] and {@code bias} [out].
 * Large inputs are convolved in bands of rows ({@link Ops#conv2dInBands}): at the VAE decoder's full resolution
 * that is faster (libtorch's working copies of a whole input are fresh memory, faulted in page by page) and
 * smaller; activations of up to four pieces (all of the UNet's at 512 to 768 pixels) are convolved whole.
 */
public final class Conv2dLayer {
    private final NDArray weight;
    private final NDArray bias;
    private final int stride;
    private final int padding;

    private Conv2dLayer(NDArray weight, NDArray bias, int stride, int padding) {
        this.weight = weight;
        this.bias = bias;
        this.stride = stride;
        this.padding = padding;
    }

    public static Conv2dLayer load(Weights w, int in, int out, int kernel, int stride, int padding) {
        return new Conv2dLayer(w.get("weight", out, in, kernel, kernel), w.get("bias", out), stride, padding);
    }

    /** A convolution whose checkpoint holds no bias. */
    public static Conv2dLayer loadWithoutBias(Weights w, int in, int out, int kernel, int stride, int padding) {
        return new Conv2dLayer(w.get("weight", out, in, kernel, kernel), null, stride, padding);
    }

    /** Stride 1, "same" padding for an odd kernel. */
    public static Conv2dLayer load(Weights w, int in, int out, int kernel) {
        return load(w, in, out, kernel, 1, (kernel - 1) / 2);
    }

    public NDArray forward(NDArray x) {
        return Ops.conv2dInBands(x, weight, bias, stride, padding);
    }
}
