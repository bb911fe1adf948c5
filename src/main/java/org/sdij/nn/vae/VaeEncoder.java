package org.sdij.nn.vae;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.sdij.nn.Conv2dLayer;
import org.sdij.nn.Downsample2D;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.GroupNormLayer;
import org.sdij.nn.ResnetBlock2D;
import org.sdij.nn.Weights;

/**
 * The VAE encoder ({@code encoder.*}): conv_in, per level layers_per_block resnets and (except last) a
 * stride-2 conv on bottom/right padded input, the mid block, then group norm, SiLU and conv_out to
 * 2 x latent channels (mean and log-variance).
 */
final class VaeEncoder {
    private final Conv2dLayer convIn;
    private final List<List<ResnetBlock2D>> resnets = new ArrayList<>();
    private final List<Downsample2D> downsamplers = new ArrayList<>();
    private final VaeMidBlock midBlock;
    private final GroupNormLayer convNormOut;
    private final Conv2dLayer convOut;

    VaeEncoder(Weights w, VaeConfig config) {
        int[] channels = config.blockOutChannels();
        int groups = config.normNumGroups();
        convIn = Conv2dLayer.load(w.sub("conv_in"), config.inChannels(), channels[0], 3);
        for (int level = 0; level < config.levels(); level++) {
            Weights block = w.sub("down_blocks").sub(level);
            List<ResnetBlock2D> levelResnets = new ArrayList<>();
            for (int i = 0; i < config.layersPerBlock(); i++) {
                int in = i == 0 ? channels[Math.max(level - 1, 0)] : channels[level];
                levelResnets.add(new ResnetBlock2D(block.sub("resnets").sub(i), in, channels[level], 0, groups,
                        VaeMidBlock.EPS, 1f));
            }
            resnets.add(levelResnets);
            boolean last = level == config.levels() - 1;
            downsamplers.add(last ? null : new Downsample2D(block.sub("downsamplers").sub(0), channels[level], 0));
        }
        int top = channels[channels.length - 1];
        midBlock = new VaeMidBlock(w.sub("mid_block"), top, groups, config.midBlockAddAttention());
        convNormOut = GroupNormLayer.load(w.sub("conv_norm_out"), top, groups, VaeMidBlock.EPS);
        convOut = Conv2dLayer.load(w.sub("conv_out"), top, 2 * config.latentChannels(), 3);
    }

    NDArray forward(NDArray image) {
        NDArray x = convIn.forward(image);
        for (int level = 0; level < resnets.size(); level++) {
            int l = level;
            NDArray in = x;
            x = ForwardScope.block(() -> level(l, in));
            in.close(); // the first levels' inputs are hundreds of MB
        }
        x = midBlock.forward(x);
        return convOut.forward(convNormOut.forwardSilu(x));
    }

    private NDArray level(int level, NDArray x) {
        for (ResnetBlock2D resnet : resnets.get(level)) {
            x = resnet.forward(x, null);
        }
        return downsamplers.get(level) == null ? x : downsamplers.get(level).forward(x);
    }
}
