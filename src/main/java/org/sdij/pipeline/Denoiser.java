package org.sdij.pipeline;

import ai.djl.ndarray.NDArray;

/** The noise-prediction network as the loop sees it (the UNet, or a stand-in in tests). */
@FunctionalInterface
public interface Denoiser {

    /**
     * @param sample [B, C, h, w] model input (latents plus any extra channels)
     * @param timestep the sampler's timestep for this step
     * @param context [B, tokens, width] text embeddings
     * @param classLabels [B] labels or null
     * @return [B, 4, h, w] prediction, owned by {@code sample}'s manager
     */
    NDArray predict(NDArray sample, double timestep, NDArray context, NDArray classLabels);
}
