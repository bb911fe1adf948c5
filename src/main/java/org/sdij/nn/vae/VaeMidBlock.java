package org.sdij.nn.vae;

import ai.djl.ndarray.NDArray;
import org.sdij.nn.ResnetBlock2D;
import org.sdij.nn.Weights;

/** UNetMidBlock2D as the VAE uses it ({@code mid_block}): resnet, attention (optional), resnet, no time embedding. */
final class VaeMidBlock {
    static final double EPS = 1e-6;

    private final ResnetBlock2D resnet0;
    private final VaeAttention attention;
    private final ResnetBlock2D resnet1;

    VaeMidBlock(Weights w, int channels, int groups, boolean withAttention) {
        resnet0 = new ResnetBlock2D(w.sub("resnets").sub(0), channels, channels, 0, groups, EPS, 1f);
        attention = withAttention ? new VaeAttention(w.sub("attentions").sub(0), channels, groups) : null;
        resnet1 = new ResnetBlock2D(w.sub("resnets").sub(1), channels, channels, 0, groups, EPS, 1f);
    }

    NDArray forward(NDArray x) {
        x = resnet0.forward(x, null);
        if (attention != null) x = attention.forward(x);
        return resnet1.forward(x, null);
    }
}
