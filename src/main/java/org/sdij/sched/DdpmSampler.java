package org.sdij.sched;

import org.sdij.random.NoiseSource;

/**
 * DDPM ancestral sampling (Ho et al. 2020), diffusers' DDPMScheduler with variance "fixed_small". Also the
 * x4 upscaler's low-res noise: {@code schedule().addNoise(image, noise, noiseLevel)}.
 */
public final class DdpmSampler extends AlphaSampler {

    public DdpmSampler(SchedulerConfig config) {
        super(config.forClass(SchedulerConfig.DDPM));
        config.requireSupported("DDPM", "thresholding", "rescale_betas_zero_snr", "variance_type");
    }

    @Override
    public Step step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        requireTimesteps();
        int t = timesteps[stepIndex];
        int prevT = previousTimestep(t);
        float alpha = schedule.alphaCumprod(t);
        float alphaPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : 1f;
        float beta = 1f - alpha;
        float betaPrev = 1f - alphaPrev;
        float currentAlpha = alpha / alphaPrev;
        float currentBeta = 1f - currentAlpha;

        float[] original = prediction.originalFromAlpha(sample, modelOutput, alpha);
        if (config.clipSample()) original = FloatArrays.clamp(original, config.clipSampleRange().floatValue());

        // posterior mean of q(x_{t-1} | x_t, x_0), formula 7
        float originalCoeff = (float) Math.sqrt(alphaPrev) * currentBeta / beta;
        float sampleCoeff = (float) Math.sqrt(currentAlpha) * betaPrev / beta;
        float[] prev = FloatArrays.axpby(originalCoeff, original, sampleCoeff, sample);

        if (t > 0) {
            if (noise == null) throw new IllegalArgumentException("DDPM needs a NoiseSource");
            float[] z = noise.randn(sample.length);
            float variance = Math.max((1f - alphaPrev) / (1f - alpha) * currentBeta, 1e-20f);
            float std = (float) Math.sqrt(variance);
            for (int i = 0; i < prev.length; i++) prev[i] = prev[i] + std * z[i];
        }
        return new Step(prev, original);
    }
}
