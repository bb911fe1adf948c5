package org.sdij.nn;

import ai.djl.ndarray.NDArray;

/**
 * diffusers' BasicTransformerBlock as SD uses it (pre-LayerNorm, eps 1e-5): attn1 (self-attention, or
 * attention to the context when {@code onlyCrossAttention}), attn2 (attention to the context), GEGLU
 * feed-forward, each added to the residual stream.
 */
public final class TransformerBlock {
    private static final double LAYER_NORM_EPS = 1e-5;

    private final LayerNormLayer norm1;
    private final Attention attn1;
    private final LayerNormLayer norm2;
    private final Attention attn2;
    private final LayerNormLayer norm3;
    private final FeedForward ff;
    private final boolean onlyCrossAttention;

    public TransformerBlock(Weights w, int dim, int heads, int headDim, int contextDim, boolean onlyCrossAttention) {
        norm1 = LayerNormLayer.load(w.sub("norm1"), dim, LAYER_NORM_EPS);
        attn1 = new Attention(w.sub("attn1"), dim, onlyCrossAttention ? contextDim : dim, heads, headDim, false);
        norm2 = LayerNormLayer.load(w.sub("norm2"), dim, LAYER_NORM_EPS);
        attn2 = new Attention(w.sub("attn2"), dim, contextDim, heads, headDim, false);
        norm3 = LayerNormLayer.load(w.sub("norm3"), dim, LAYER_NORM_EPS);
        ff = new FeedForward(w.sub("ff"), dim);
        this.onlyCrossAttention = onlyCrossAttention;
    }

    /** @param x [B, L, dim]; @param context [B, M, contextDim] */
    public NDArray forward(NDArray x, NDArray context) {
        return ForwardScope.block(() -> compute(x, context));
    }

    private NDArray compute(NDArray x, NDArray context) {
        // each branch's output is a fresh array of its own, so the residual is added in place
        x = attn1.forward(norm1.forward(x), onlyCrossAttention ? context : null).addi(x);
        x = attn2.forward(norm2.forward(x), context).addi(x);
        return ff.forward(norm3.forward(x)).addi(x);
    }
}
