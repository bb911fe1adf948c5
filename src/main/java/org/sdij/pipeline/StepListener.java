package org.sdij.pipeline;

/** Told after every denoising step; returning false cancels the run (a {@link CancelledException}). */
@FunctionalInterface
public interface StepListener {

    /**
     * @param step steps done so far (1..total)
     * @param total steps this run makes
     * @param latents the latents after this step, [batch, 4, h, w] row-major; read only
     */
    boolean onStep(int step, int total, float[] latents);

    StepListener NONE = (step, total, latents) -> true;
}
