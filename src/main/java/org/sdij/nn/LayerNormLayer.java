package org.sdij.nn;

import ai.djl.ndarray.NDArray;

/** Layer norm over the last dimension with {@code weight} and {@code bias} [width]. */
public final class LayerNormLayer {
    private final NDArray gamma;
    private final NDArray beta;
    private final double eps;

    private LayerNormLayer(NDArray gamma, NDArray beta, double eps) {
        this.gamma = gamma;
        this.beta = beta;
        this.eps = eps;
    }

    public static LayerNormLayer load(Weights w, int width, double eps) {
        return new LayerNormLayer(w.get("weight", width), w.get("bias", width), eps);
    }

    public NDArray forward(NDArray x) {
        return Ops.layerNorm(x, gamma, beta, eps);
    }
}
