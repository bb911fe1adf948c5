package org.sdij.sched;

import org.sdij.random.NoiseSource;

/** DDIM (Song et al. 2020) with eta = 0: deterministic, diffusers' DDIMScheduler.step(eta=0). */
public final class DdimSampler extends AlphaSampler {
    private final float finalAlphaCumprod;

    public DdimSampler(SchedulerConfig config) {
        super(config.forClass(SchedulerConfig.DDIM));
        config.requireSupported("DDIM", "thresholding", "rescale_betas_zero_snr");
        finalAlphaCumprod = this.config.setAlphaToOne() ? 1f : schedule.alphaCumprod(0);
    }

    @Override
    public Step step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        requireTimesteps();
        int t = timesteps[stepIndex];
        int prevT = previousTimestep(t);
        float alpha = schedule.alphaCumprod(t);
        float alphaPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod;
        float sqrtAlpha = (float) Math.sqrt(alpha);
        float sqrtBeta = (float) Math.sqrt(1f - alpha);

        float[] original = prediction.originalFromAlpha(sample, modelOutput, alpha);
        float[] epsilon = switch (prediction) {
            case EPSILON -> modelOutput;
            case V_PREDICTION -> FloatArrays.axpby(sqrtAlpha, modelOutput, sqrtBeta, sample);
            case SAMPLE -> {
                float[] e = new float[sample.length];
                for (int i = 0; i < e.length; i++) e[i] = (sample[i] - sqrtAlpha * original[i]) / sqrtBeta;
                yield e;
            }
        };
        if (config.clipSample()) original = FloatArrays.clamp(original, config.clipSampleRange().floatValue());

        // x_{t-1} = sqrt(a_prev) x0 + sqrt(1 - a_prev) eps  (formula 12, no random term at eta 0)
        float[] prev = FloatArrays.axpby((float) Math.sqrt(alphaPrev), original,
                (float) Math.sqrt(1f - alphaPrev), epsilon);
        return new Step(prev, original);
    }
}
