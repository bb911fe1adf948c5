package org.sdij.nn.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.sdij.nn.Attention;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.GroupNormLayer;
import org.sdij.nn.Weights;

/**
 * The VAE mid-block attention: group norm (eps 1e-6), then one head of self-attention over the H*W
 * pixels with the full channel width (q/k/v with biases), added to the input.
 */
final class VaeAttention {
    private static final double EPS = 1e-6;

    private final GroupNormLayer groupNorm;
    private final Attention attention;

    VaeAttention(Weights w, int channels, int groups) {
        groupNorm = GroupNormLayer.load(w.sub("group_norm"), channels, groups, EPS);
        attention = new Attention(w, channels, channels, 1, channels, true);
    }

    NDArray forward(NDArray x) {
        return ForwardScope.block(() -> compute(x));
    }

    private NDArray compute(NDArray x) {
        Shape s = x.getShape();
        long batch = s.get(0);
        long channels = s.get(1);
        NDArray tokens = groupNorm.forward(x).reshape(batch, channels, s.get(2) * s.get(3)).transpose(0, 2, 1);
        NDArray out = attention.forward(tokens, null).transpose(0, 2, 1).reshape(s);
        return out.add(x);
    }
}
