package org.sdij.nn.unet;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.sdij.nn.Downsample2D;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.ResnetBlock2D;
import org.sdij.nn.Weights;

/**
 * One encoder level ({@code down_blocks.i}): resnets, each followed by a spatial transformer in a
 * CrossAttnDownBlock2D, then a stride-2 conv except on the last level. Every stage's output is kept
 * as a skip connection for the decoder.
 */
final class DownBlock {
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<SpatialTransformer> attentions = new ArrayList<>();
    private final Downsample2D downsampler;

    DownBlock(Weights w, UNetConfig config, int level, int in, int out) {
        boolean crossAttention = config.downBlockTypes().get(level).equals(UNetConfig.CROSS_ATTN_DOWN);
        int timeDim = config.timeEmbedDim();
        for (int i = 0; i < config.layersPerBlock()[level]; i++) {
            resnets.add(new ResnetBlock2D(w.sub("resnets").sub(i), i == 0 ? in : out, out, timeDim,
                    config.normNumGroups(), config.normEps(), 1f));
            if (crossAttention) {
                attentions.add(new SpatialTransformer(w.sub("attentions").sub(i), config, out,
                        config.attentionHeads()[level], config.transformerLayersPerBlock()[level],
                        config.crossAttentionDim()[level], config.onlyCrossAttention()[level]));
            }
        }
        boolean last = level == config.levels() - 1;
        downsampler = last ? null
                : new Downsample2D(w.sub("downsamplers").sub(0), out, config.downsamplePadding());
    }

    /** Runs the level and appends its skip connections to {@code skips}. */
    NDArray forward(NDArray x, NDArray temb, NDArray context, List<NDArray> skips) {
        for (int i = 0; i < resnets.size(); i++) {
            int stage = i;
            NDArray in = x;
            x = ForwardScope.block(() -> stage(stage, in, temb, context));
            skips.add(x);
        }
        if (downsampler != null) {
            x = downsampler.forward(x);
            skips.add(x);
        }
        return x;
    }

    private NDArray stage(int i, NDArray x, NDArray temb, NDArray context) {
        NDArray h = resnets.get(i).forward(x, temb);
        return attentions.isEmpty() ? h : attentions.get(i).forward(h, context);
    }
}
