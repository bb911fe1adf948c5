package org.sdij.nn.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.sdij.nn.Conv2dLayer;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.GroupNormLayer;
import org.sdij.nn.LinearLayer;
import org.sdij.nn.TransformerBlock;
import org.sdij.nn.Weights;

/**
 * diffusers' Transformer2DModel over a feature map: group norm (eps 1e-6), {@code proj_in} to the inner
 * width (a 1x1 conv in SD 1, a linear layer over tokens in SD 2), transformer blocks over the H*W tokens,
 * {@code proj_out} back, plus the input.
 */
final class SpatialTransformer {
    private static final double GROUP_NORM_EPS = 1e-6;

    private final GroupNormLayer norm;
    private final Conv2dLayer convProjIn;
    private final LinearLayer linearProjIn;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final Conv2dLayer convProjOut;
    private final LinearLayer linearProjOut;
    private final int inner;

    SpatialTransformer(Weights w, UNetConfig config, int channels, int heads, int layers, int contextDim,
                       boolean onlyCrossAttention) {
        int headDim = channels / heads;
        inner = heads * headDim;
        norm = GroupNormLayer.load(w.sub("norm"), channels, config.normNumGroups(), GROUP_NORM_EPS);
        boolean linear = config.useLinearProjection();
        convProjIn = linear ? null : Conv2dLayer.load(w.sub("proj_in"), channels, inner, 1);
        linearProjIn = linear ? LinearLayer.load(w.sub("proj_in"), channels, inner) : null;
        for (int i = 0; i < layers; i++) {
            blocks.add(new TransformerBlock(w.sub("transformer_blocks").sub(i), inner, heads, headDim, contextDim,
                    onlyCrossAttention));
        }
        convProjOut = linear ? null : Conv2dLayer.load(w.sub("proj_out"), inner, channels, 1);
        linearProjOut = linear ? LinearLayer.load(w.sub("proj_out"), inner, channels) : null;
    }

    NDArray forward(NDArray x, NDArray context) {
        return ForwardScope.block(() -> compute(x, context));
    }

    private NDArray compute(NDArray x, NDArray context) {
        Shape s = x.getShape();
        long batch = s.get(0);
        long height = s.get(2);
        long width = s.get(3);
        NDArray h = norm.forward(x);
        if (convProjIn != null) h = convProjIn.forward(h);
        h = h.transpose(0, 2, 3, 1).reshape(batch, height * width, h.getShape().get(1));
        if (linearProjIn != null) h = linearProjIn.forward(h);
        for (TransformerBlock block : blocks) {
            h = block.forward(h, context);
        }
        if (linearProjOut != null) h = linearProjOut.forward(h);
        h = h.reshape(batch, height, width, h.getShape().get(2)).transpose(0, 3, 1, 2);
        if (convProjOut != null) h = convProjOut.forward(h);
        return x.add(h);
    }
}
