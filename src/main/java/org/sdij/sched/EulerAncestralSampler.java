package org.sdij.sched;

import org.sdij.random.NoiseSource;

/**
 * Euler ancestral (k-diffusion's sample_euler_ancestral, eta 1), diffusers' EulerAncestralDiscreteScheduler:
 * an Euler step down to sigma_down, then fresh noise of size sigma_up, drawn at every step (the last too).
 */
public final class EulerAncestralSampler extends SigmaSampler {

    public EulerAncestralSampler(SchedulerConfig config) {
        super(config.forClass(SchedulerConfig.EULER_ANCESTRAL), false);
        config.requireSupported("Euler ancestral", "rescale_betas_zero_snr");
        if (prediction == Prediction.SAMPLE) {
            throw new IllegalArgumentException("Euler ancestral supports epsilon or v_prediction");
        }
    }

    @Override
    public Step step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        requireTimesteps();
        if (noise == null) throw new IllegalArgumentException("Euler ancestral needs a NoiseSource");
        float sigma = sigmas[stepIndex];
        float sigmaTo = sigmas[stepIndex + 1];
        float[] original = prediction.originalFromSigma(sample, modelOutput, sigma);

        float sigmaUp = (float) Math.sqrt(sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo) / (sigma * sigma));
        float sigmaDown = (float) Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        float[] derivative = derivative(sample, original, sigma);
        float dt = sigmaDown - sigma;
        float[] z = noise.randn(sample.length);
        float[] prev = new float[sample.length];
        for (int i = 0; i < prev.length; i++) prev[i] = (sample[i] + derivative[i] * dt) + z[i] * sigmaUp;
        return new Step(prev, original);
    }
}
