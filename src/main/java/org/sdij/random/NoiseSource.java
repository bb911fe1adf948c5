package org.sdij.random;

/**
 * Where latent noise comes from. Consecutive calls continue one stream, as consecutive
 * {@code torch.randn(..., generator=g)} calls do; values are row-major float32.
 */
public interface NoiseSource {
    float[] randn(long... shape);
}
