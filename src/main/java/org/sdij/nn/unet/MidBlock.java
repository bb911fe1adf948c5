package org.sdij.nn.unet;

import ai.djl.ndarray.NDArray;
import org.sdij.nn.ResnetBlock2D;
import org.sdij.nn.Weights;

/** UNetMidBlock2DCrossAttn ({@code mid_block}): resnet, spatial transformer, resnet at the lowest resolution. */
final class MidBlock {
    private final ResnetBlock2D resnet0;
    private final SpatialTransformer attention;
    private final ResnetBlock2D resnet1;

    MidBlock(Weights w, UNetConfig config) {
        int last = config.levels() - 1;
        int channels = config.blockOutChannels()[last];
        float scale = config.midBlockScaleFactor();
        resnet0 = new ResnetBlock2D(w.sub("resnets").sub(0), channels, channels, config.timeEmbedDim(),
                config.normNumGroups(), config.normEps(), scale);
        // diffusers' mid block never uses only_cross_attention
        attention = new SpatialTransformer(w.sub("attentions").sub(0), config, channels, config.attentionHeads()[last],
                config.transformerLayersPerBlock()[last], config.crossAttentionDim()[last], false);
        resnet1 = new ResnetBlock2D(w.sub("resnets").sub(1), channels, channels, config.timeEmbedDim(),
                config.normNumGroups(), config.normEps(), scale);
    }

    NDArray forward(NDArray x, NDArray temb, NDArray context) {
        x = resnet0.forward(x, temb);
        x = attention.forward(x, context);
        return resnet1.forward(x, temb);
    }
}
