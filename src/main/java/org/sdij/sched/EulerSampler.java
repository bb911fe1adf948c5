package org.sdij.sched;

import org.sdij.random.NoiseSource;

/**
 * Euler's method on the probability flow ODE (Karras et al. 2022, Algorithm 2 without churn), diffusers'
 * EulerDiscreteScheduler; Karras sigmas when the config asks for them.
 */
public final class EulerSampler extends SigmaSampler {

    public EulerSampler(SchedulerConfig config) {
        super(config.forClass(SchedulerConfig.EULER), Boolean.TRUE.equals(config.useKarrasSigmas()));
        config.requireSupported("Euler", "interpolation_type", "timestep_type", "sigma_min", "sigma_max",
                "rescale_betas_zero_snr");
    }

    @Override
    public Step step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        requireTimesteps();
        float sigma = sigmas[stepIndex];
        float[] original = prediction.originalFromSigma(sample, modelOutput, sigma);
        float[] derivative = derivative(sample, original, sigma);
        float dt = sigmas[stepIndex + 1] - sigma;
        float[] prev = new float[sample.length];
        for (int i = 0; i < prev.length; i++) prev[i] = sample[i] + derivative[i] * dt;
        return new Step(prev, original);
    }
}
