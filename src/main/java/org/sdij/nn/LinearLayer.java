package org.sdij.nn;

import ai.djl.ndarray.NDArray;

/** y = x W^T + b over the last dimension, {@code weight} [out, in]; the bias is optional. */
public final class LinearLayer {
    private final NDArray weight;
    private final NDArray bias;

    private LinearLayer(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    public static LinearLayer load(Weights w, int in, int out) {
        return new LinearLayer(w.get("weight", out, in), w.get("bias", out));
    }

    public static LinearLayer loadWithoutBias(Weights w, int in, int out) {
        return new LinearLayer(w.get("weight", out, in), null);
    }

    public NDArray forward(NDArray x) {
        return Ops.linear(x, weight, bias);
    }
}
