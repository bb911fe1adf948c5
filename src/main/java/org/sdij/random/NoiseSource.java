package org.sdij.random;

/**
 * Where latent noise comes from: pipelines and samplers take a NoiseSource, never a concrete generator.
 * Consecutive calls continue one stream, as consecutive {@code torch.randn(..., generator=g)} calls do;
 * values are row-major float32.
 */
public interface NoiseSource {
    float[] randn(long... shape);

    /** The stream {@code torch.Generator('cpu').manual_seed(seed)} gives (see {@link TorchGenerator}). */
    static NoiseSource torch(long seed) {
        return new TorchGenerator(seed);
    }
}
