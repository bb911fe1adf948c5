package org.sdij.nn.vae;

import ai.djl.ndarray.NDArray;

/**
 * The encoder's diagonal Gaussian over latents (unscaled): {@code logvar} is clamped to [-30, 20] and
 * {@code std} = exp(logvar / 2), as diffusers' DiagonalGaussianDistribution. Arrays belong to the image's manager.
 */
public record Posterior(NDArray mean, NDArray logvar, NDArray std) {

    /** mean + std * noise, for {@code noise} of the mean's shape (as latent_dist.sample()). */
    public NDArray sample(NDArray noise) {
        return mean.add(std.mul(noise));
    }
}
