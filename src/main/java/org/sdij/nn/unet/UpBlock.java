package org.sdij.nn.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.ResnetBlock2D;
import org.sdij.nn.Upsample2D;
import org.sdij.nn.Weights;

/**
 * One decoder level ({@code up_blocks.i}, counted from the lowest resolution): layers_per_block + 1
 * resnets, each fed the running features concatenated with the newest unused skip connection and, in a
 * CrossAttnUpBlock2D, followed by a spatial transformer; then nearest upsampling and a conv, except on the
 * last level.
 */
final class UpBlock {
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<SpatialTransformer> attentions = new ArrayList<>();
    private final Upsample2D upsampler;

    /** @param index up block index (0 = lowest resolution) */
    UpBlock(Weights w, UNetConfig config, int index) {
        int levels = config.levels();
        int level = levels - 1 - index; // the matching down level
        int out = config.blockOutChannels()[level];
        int skipIn = config.blockOutChannels()[Math.max(level - 1, 0)];
        int prevOut = config.blockOutChannels()[Math.min(level + 1, levels - 1)];
        boolean crossAttention = config.upBlockTypes().get(index).equals(UNetConfig.CROSS_ATTN_UP);
        int layers = config.layersPerBlock()[level] + 1;
        int transformerLayers = config.reverseTransformerLayersPerBlock() != null
                ? config.reverseTransformerLayersPerBlock()[index] : config.transformerLayersPerBlock()[level];
        for (int i = 0; i < layers; i++) {
            int skip = i == layers - 1 ? skipIn : out;
            int in = i == 0 ? prevOut : out;
            resnets.add(new ResnetBlock2D(w.sub("resnets").sub(i), in + skip, out, config.timeEmbedDim(),
                    config.normNumGroups(), config.normEps(), 1f));
            if (crossAttention) {
                attentions.add(new SpatialTransformer(w.sub("attentions").sub(i), config, out,
                        config.attentionHeads()[level], transformerLayers, config.crossAttentionDim()[level],
                        config.onlyCrossAttention()[level]));
            }
        }
        upsampler = index == levels - 1 ? null : new Upsample2D(w.sub("upsamplers").sub(0), out);
    }

    int resnetCount() {
        return resnets.size();
    }

    /**
     * @param skips this level's skip connections, oldest first (consumed newest first)
     * @param upsampleSize [height, width] to upsample to, or null for 2x
     */
    NDArray forward(NDArray x, List<NDArray> skips, NDArray temb, NDArray context, long[] upsampleSize) {
        for (int i = 0; i < resnets.size(); i++) {
            int stage = i;
            NDArray in = x;
            NDArray skip = skips.get(skips.size() - 1 - i);
            x = ForwardScope.block(() -> stage(stage, in, skip, temb, context));
        }
        if (upsampler == null) return x;
        return upsampleSize == null ? upsampler.forward(x) : upsampler.forward(x, upsampleSize[0], upsampleSize[1]);
    }

    private NDArray stage(int i, NDArray x, NDArray skip, NDArray temb, NDArray context) {
        NDArray h = resnets.get(i).forward(NDArrays.concat(new NDList(x, skip), 1), temb);
        return attentions.isEmpty() ? h : attentions.get(i).forward(h, context);
    }
}
