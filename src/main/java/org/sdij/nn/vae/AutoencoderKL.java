package org.sdij.nn.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.sdij.nn.Conv2dLayer;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.Weights;

/**
 * diffusers' AutoencoderKL: images in [-1, 1] to a Gaussian posterior over latents and latents back to
 * images. Latents here are unscaled; multiply by {@link #scalingFactor()} before the UNet and divide after.
 */
public final class AutoencoderKL {
    private static final float LOGVAR_MIN = -30f;
    private static final float LOGVAR_MAX = 20f;

    private final VaeConfig config;
    private final VaeEncoder encoder;
    private final Conv2dLayer quantConv;
    private final Conv2dLayer postQuantConv;
    private final VaeDecoder decoder;

    /** Reads every tensor now; call {@code weights.finish()} afterwards to report missing or unused ones. */
    public AutoencoderKL(VaeConfig config, Weights w) {
        this.config = config;
        int moments = 2 * config.latentChannels();
        encoder = new VaeEncoder(w.sub("encoder"), config);
        quantConv = config.useQuantConv() ? Conv2dLayer.load(w.sub("quant_conv"), moments, moments, 1) : null;
        postQuantConv = config.usePostQuantConv()
                ? Conv2dLayer.load(w.sub("post_quant_conv"), config.latentChannels(), config.latentChannels(), 1) : null;
        decoder = new VaeDecoder(w.sub("decoder"), config);
    }

    public VaeConfig config() {
        return config;
    }

    public double scalingFactor() {
        return config.scalingFactor();
    }

    /** @param image [B, in_channels, H, W] in [-1, 1]; H and W are best multiples of the downscale factor */
    public Posterior encode(NDArray image) {
        NDList out = ForwardScope.run(image.getManager(), temp -> {
            NDArray moments = encoder.forward(image);
            if (quantConv != null) moments = quantConv.forward(moments);
            NDList halves = moments.split(2, 1);
            NDArray logvar = halves.get(1).clip(LOGVAR_MIN, LOGVAR_MAX);
            return new NDList(halves.get(0), logvar, logvar.mul(0.5f).exp());
        });
        return new Posterior(out.get(0), out.get(1), out.get(2));
    }

    /** @param latent unscaled latent [B, latent_channels, h, w]; returns the image [B, out_channels, H, W] */
    public NDArray decode(NDArray latent) {
        return ForwardScope.runSingle(latent.getManager(), temp -> {
            NDArray z = postQuantConv == null ? latent : postQuantConv.forward(latent);
            return decoder.forward(z);
        });
    }
}
