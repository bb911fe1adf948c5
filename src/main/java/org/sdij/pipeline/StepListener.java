package org.sdij.pipeline;

import ai.djl.ndarray.types.Shape;

/**
 * Told after every model call of the denoising loop; returning false cancels the run (a {@link CancelledException}).
 * A sampler's warm-up call (PNDM's repeated first timestep: N steps make N+1 calls) reports 0 steps done, so
 * {@code step} counts the steps asked for and never exceeds {@code total}.
 */
@FunctionalInterface
public interface StepListener {

    /**
     * @param step steps done so far (0..total; 0 only after a warm-up call)
     * @param total steps this run makes: the steps asked for, or the part of them an image-to-image run makes
     * @param latents the latents after this step, [batch, 4, h, w] row-major; read only
     */
    boolean onStep(int step, int total, float[] latents);

    /**
     * Told after every step that forms one, just before {@link #onStep}, with the sampler's estimate of the
     * final latents (its x0 prediction: what the image would be if denoising stopped here), for live previews.
     *
     * @param predicted scaled latents of {@code shape} [batch, channels, h, w], as the UNet sees them; read only
     */
    default void onPrediction(int step, int total, float[] predicted, Shape shape) {}

    /**
     * Told after each part of the decode that follows the last step (an image, or a tile of a large one,
     * which for a large upscale takes as long as many steps); returning false cancels the run.
     *
     * @param done parts decoded so far (1..total)
     * @param total parts the decode has
     */
    default boolean onDecode(int done, int total) {
        return true;
    }

    StepListener NONE = (step, total, latents) -> true;
}
