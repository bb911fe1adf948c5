package org.sdij.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * The transformer's GEGLU feed-forward: {@code net.0.proj} widens to 2 x inner, the first half is gated by
 * the exact GELU of the second, and {@code net.2} projects back (inner = 4 x width).
 */
public final class FeedForward {
    private final LinearLayer proj;
    private final LinearLayer out;

    public FeedForward(Weights w, int dim) {
        int inner = 4 * dim;
        proj = LinearLayer.load(w.sub("net").sub(0).sub("proj"), dim, 2 * inner);
        out = LinearLayer.load(w.sub("net").sub(2), inner, dim);
    }

    public NDArray forward(NDArray x) {
        return ForwardScope.block(() -> compute(x));
    }

    private NDArray compute(NDArray x) {
        NDArray projected = proj.forward(x);
        NDList halves = projected.split(2, projected.getShape().dimension() - 1);
        return out.forward(Ops.gelu(halves.get(1)).muli(halves.get(0)));
    }
}
