package org.sdij.sched;

import org.sdij.random.NoiseSource;

/**
 * One diffusion sampler (a diffusers scheduler) over flat row-major float32 latents of any shape.
 * A sampler is stateful (multistep history) and serves one denoising run at a time: {@link #setTimesteps}
 * starts a run, then the loop calls, for i = begin .. timesteps().length-1,
 * {@code x = scaleModelInput(latents, i); out = model(x, timesteps()[i]); latents = step(out, i, latents, noise).prevSample()}.
 * Text-to-image begins at 0 with latents = noise * initNoiseSigma(); image-to-image begins at
 * {@link Samplers#img2imgStart} with latents = addNoise(image latents, noise, begin).
 */
public interface Sampler {

    /** Chooses the inference timesteps for a run of {@code steps} steps and clears the history of the last run. */
    void setTimesteps(int steps);

    /** The model timesteps of this run, in loop order (training-step units; Euler and LMS may be fractional). */
    double[] timesteps();

    /** Standard deviation of the starting noise for text-to-image. */
    float initNoiseSigma();

    /** The model input for step {@code stepIndex}; may be {@code sample} itself (most samplers): do not modify it. */
    float[] scaleModelInput(float[] sample, int stepIndex);

    /**
     * One step from timesteps()[stepIndex] to the next. Steps of one run must come in order.
     *
     * @param noise where ancestral samplers draw their fresh noise; unused (may be null) by the others
     */
    Step step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise);

    /** The clean latents noised to the level of timesteps()[stepIndex], where image-to-image starts. */
    float[] addNoise(float[] original, float[] noise, int stepIndex);

    /**
     * The steps a run from entry {@code begin} counts: the steps asked for (or, for image-to-image, the part of
     * them that runs), which is what progress shows. One per timestep entry, except where the sampler calls the
     * model more often than that: PNDM repeats an entry, so N steps make N+1 calls (diffusers' warm-up).
     */
    default int stepsFrom(int begin) {
        return timesteps().length - begin;
    }

    /** diffusers' {@code scheduler.order}: model calls per timestep entry, which scales img2img's start index. */
    default int order() {
        return 1;
    }

    /**
     * The result of a step.
     *
     * @param predOriginalSample the step's estimate of the clean latents, or null where the sampler forms none
     */
    record Step(float[] prevSample, float[] predOriginalSample) {}
}
