package org.sdij.nn.vae;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.sdij.nn.Conv2dLayer;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.GroupNormLayer;
import org.sdij.nn.ResnetBlock2D;
import org.sdij.nn.Upsample2D;
import org.sdij.nn.Weights;

/**
 * The VAE decoder ({@code decoder.*}): conv_in to the widest level, the mid block, per level (widest
 * first) layers_per_block + 1 resnets and (except last) nearest 2x upsampling with a conv, then group
 * norm, SiLU and conv_out to image channels.
 */
final class VaeDecoder {
    private final Conv2dLayer convIn;
    private final VaeMidBlock midBlock;
    private final List<List<ResnetBlock2D>> resnets = new ArrayList<>();
    private final List<Upsample2D> upsamplers = new ArrayList<>();
    private final GroupNormLayer convNormOut;
    private final Conv2dLayer convOut;

    VaeDecoder(Weights w, VaeConfig config) {
        int[] channels = config.blockOutChannels();
        int levels = channels.length;
        int groups = config.normNumGroups();
        int top = channels[levels - 1];
        convIn = Conv2dLayer.load(w.sub("conv_in"), config.latentChannels(), top, 3);
        midBlock = new VaeMidBlock(w.sub("mid_block"), top, groups, config.midBlockAddAttention());
        for (int index = 0; index < levels; index++) {
            Weights block = w.sub("up_blocks").sub(index);
            int out = channels[levels - 1 - index];
            int prev = channels[Math.min(levels - index, levels - 1)];
            List<ResnetBlock2D> levelResnets = new ArrayList<>();
            for (int i = 0; i < config.layersPerBlock() + 1; i++) {
                levelResnets.add(new ResnetBlock2D(block.sub("resnets").sub(i), i == 0 ? prev : out, out, 0, groups,
                        VaeMidBlock.EPS, 1f));
            }
            resnets.add(levelResnets);
            boolean last = index == levels - 1;
            upsamplers.add(last ? null : new Upsample2D(block.sub("upsamplers").sub(0), out));
        }
        convNormOut = GroupNormLayer.load(w.sub("conv_norm_out"), channels[0], groups, VaeMidBlock.EPS);
        convOut = Conv2dLayer.load(w.sub("conv_out"), channels[0], config.outChannels(), 3);
    }

    /** Each level's input is closed once the level is done: the last ones are hundreds of MB. */
    NDArray forward(NDArray latent) {
        NDArray x = midBlock.forward(convIn.forward(latent));
        for (int index = 0; index < resnets.size(); index++) {
            int i = index;
            NDArray in = x;
            x = ForwardScope.block(() -> level(i, in));
            in.close();
        }
        NDArray activated = convNormOut.forwardSilu(x);
        x.close();
        return convOut.forward(activated);
    }

    private NDArray level(int index, NDArray x) {
        for (ResnetBlock2D resnet : resnets.get(index)) {
            x = resnet.forward(x, null);
        }
        return upsamplers.get(index) == null ? x : upsamplers.get(index).forward(x);
    }
}
