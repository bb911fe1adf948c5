package org.sdij.nn;

import ai.djl.ndarray.NDArray;

/**
 * diffusers' ResnetBlock2D ("default" time conditioning): norm1, SiLU, conv1, plus the projected
 * time embedding, norm2, SiLU, conv2, added to the input (through a 1x1 conv when the width changes).
 * The VAE's blocks have no time embedding.
 */
public final class ResnetBlock2D {
    private final GroupNormLayer norm1;
    private final Conv2dLayer conv1;
    private final LinearLayer timeEmbProj;
    private final GroupNormLayer norm2;
    private final Conv2dLayer conv2;
    private final Conv2dLayer convShortcut;
    private final float outputScaleFactor;

    /**
     * @param timeChannels width of the time embedding, or 0 for a block without one
     * @param outputScaleFactor the sum is divided by it (1 in SD)
     */
    public ResnetBlock2D(Weights w, int in, int out, int timeChannels, int groups, double eps, float outputScaleFactor) {
        norm1 = GroupNormLayer.load(w.sub("norm1"), in, groups, eps);
        conv1 = Conv2dLayer.load(w.sub("conv1"), in, out, 3);
        timeEmbProj = timeChannels > 0 ? LinearLayer.load(w.sub("time_emb_proj"), timeChannels, out) : null;
        norm2 = GroupNormLayer.load(w.sub("norm2"), out, groups, eps);
        conv2 = Conv2dLayer.load(w.sub("conv2"), out, out, 3);
        convShortcut = in != out ? Conv2dLayer.load(w.sub("conv_shortcut"), in, out, 1) : null;
        this.outputScaleFactor = outputScaleFactor;
    }

    /** @param temb the time embedding [B, timeChannels], or null for a block without one */
    public NDArray forward(NDArray x, NDArray temb) {
        return ForwardScope.block(() -> compute(x, temb));
    }

    /**
     * Each intermediate is closed as soon as the next one exists: at the VAE's full resolution they are
     * hundreds of MB each, and the enclosing block scope would otherwise keep all of them to the end.
     */
    private NDArray compute(NDArray x, NDArray temb) {
        NDArray activated = norm1.forwardSilu(x);
        NDArray h = conv1.forward(activated);
        activated.close();
        if (timeEmbProj != null) {
            NDArray t = timeEmbProj.forward(Ops.silu(temb));
            h.addi(t.reshape(t.getShape().get(0), t.getShape().get(1), 1, 1));
        }
        activated = norm2.forwardSilu(h);
        h.close();
        h = conv2.forward(activated);
        activated.close();
        // h is this pass's own conv output, so it can take the sum in place
        if (convShortcut == null) {
            h.addi(x);
        } else {
            NDArray shortcut = convShortcut.forward(x);
            h.addi(shortcut);
            shortcut.close();
        }
        return outputScaleFactor == 1f ? h : h.divi(outputScaleFactor);
    }
}
