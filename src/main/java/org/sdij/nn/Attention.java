package org.sdij.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * diffusers' Attention projections over sequences: {@code to_q} from the queries' width, {@code to_k} and
 * {@code to_v} from the context's width (the same for self-attention), scaled dot-product attention per
 * head with scale 1/sqrt(head width), then {@code to_out.0}.
 */
public final class Attention {
    private final LinearLayer toQ;
    private final LinearLayer toK;
    private final LinearLayer toV;
    private final LinearLayer toOut;
    private final int heads;
    private final int headDim;
    private final float scale;

    /**
     * @param contextDim width of the keys' source (= queryDim for self-attention)
     * @param qkvBias whether to_q/to_k/to_v carry biases (UNet: no; VAE: yes); to_out always does
     */
    public Attention(Weights w, int queryDim, int contextDim, int heads, int headDim, boolean qkvBias) {
        int inner = heads * headDim;
        toQ = projection(w.sub("to_q"), queryDim, inner, qkvBias);
        toK = projection(w.sub("to_k"), contextDim, inner, qkvBias);
        toV = projection(w.sub("to_v"), contextDim, inner, qkvBias);
        toOut = LinearLayer.load(w.sub("to_out").sub(0), inner, queryDim);
        this.heads = heads;
        this.headDim = headDim;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    private static LinearLayer projection(Weights w, int in, int out, boolean bias) {
        return bias ? LinearLayer.load(w, in, out) : LinearLayer.loadWithoutBias(w, in, out);
    }

    /**
     * @param x queries [B, L, queryDim]
     * @param context [B, M, contextDim], or null for self-attention
     * @return [B, L, queryDim]
     */
    public NDArray forward(NDArray x, NDArray context) {
        return ForwardScope.block(() -> compute(x, context));
    }

    private NDArray compute(NDArray x, NDArray context) {
        NDArray source = context == null ? x : context;
        NDArray q = splitHeads(toQ.forward(x));
        NDArray k = splitHeads(toK.forward(source));
        NDArray v = splitHeads(toV.forward(source));
        return toOut.forward(mergeHeads(Ops.attention(q, k, v, scale, null), x.getShape().get(0)));
    }

    /** [B, L, H*d] to [B*H, L, d]. */
    private NDArray splitHeads(NDArray t) {
        if (heads == 1) return t;
        Shape s = t.getShape();
        long batch = s.get(0);
        long length = s.get(1);
        return t.reshape(batch, length, heads, headDim).transpose(0, 2, 1, 3).reshape(batch * heads, length, headDim);
    }

    /** [B*H, L, d] to [B, L, H*d]. */
    private NDArray mergeHeads(NDArray t, long batch) {
        if (heads == 1) return t;
        long length = t.getShape().get(1);
        return t.reshape(batch, heads, length, headDim).transpose(0, 2, 1, 3).reshape(batch, length, (long) heads * headDim);
    }
}
