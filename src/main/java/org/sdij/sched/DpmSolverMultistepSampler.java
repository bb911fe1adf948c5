package org.sdij.sched;

import java.util.Arrays;
import org.sdij.random.NoiseSource;

/**
 * DPM-Solver++(2M) (Lu et al. 2022), diffusers' DPMSolverMultistepScheduler with its defaults: data
 * prediction, order 2, midpoint, first order at the first and the last step (final sigma 0); optionally on
 * Karras sigmas (rounded to integer timesteps). Its history counts the steps taken.
 */
public final class DpmSolverMultistepSampler implements VariancePreserving {
    private final SchedulerConfig config;
    private final Prediction prediction;
    private final boolean karras;
    private final float[] trainSigmas;
    private int[] timesteps = new int[0];
    private float[] sigmas = new float[0]; // one per timestep, then 0
    private float[] previousOriginal;      // the data prediction of the step before
    private int stepsTaken;

    public DpmSolverMultistepSampler(SchedulerConfig config, boolean karras) {
        this.config = config.forClass(SchedulerConfig.DPM_MULTISTEP);
        config.requireSupported("DPM-Solver++ 2M", "algorithm_type", "solver_type", "solver_order", "euler_at_final",
                "use_lu_lambdas", "final_sigmas_type", "lambda_min_clipped", "thresholding", "variance_type",
                "rescale_betas_zero_snr");
        this.prediction = Prediction.of(this.config.predictionType());
        this.karras = karras;
        this.trainSigmas = NoiseSchedule.of(this.config).sigmas();
    }

    @Override
    public void setTimesteps(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be positive, got " + steps);
        int train = config.numTrainTimesteps();
        double[] t;
        double[] s;
        if (karras) {
            s = Spacing.karras(trainSigmas[0], trainSigmas[train - 1], steps);
            float[] logSigmas = Spacing.logs(trainSigmas);
            t = new double[steps];
            for (int i = 0; i < steps; i++) t[i] = Math.rint(Spacing.sigmaToT(s[i], logSigmas));
        } else {
            t = spacedTimesteps(steps);
            s = new double[t.length];
            for (int i = 0; i < t.length; i++) s[i] = Spacing.interp(t[i], trainSigmas);
        }
        timesteps = new int[t.length];
        sigmas = new float[t.length + 1];
        for (int i = 0; i < t.length; i++) {
            timesteps[i] = (int) t[i];
            sigmas[i] = (float) s[i];
        }
        previousOriginal = null;
        stepsTaken = 0;
    }

    /** This scheduler's own spacing: N+1 points with the last dropped ("leading": steps of train // (N+1)). */
    private double[] spacedTimesteps(int steps) {
        int train = config.numTrainTimesteps();
        String spacing = config.timestepSpacing();
        if (spacing.equals("trailing")) return Spacing.descending(spacing, train, steps, 0, true);
        double[] t = Spacing.descending(spacing, train, steps + 1, config.stepsOffset(), true);
        return Arrays.copyOf(t, steps);
    }

    @Override
    public double[] timesteps() {
        return Arrays.stream(timesteps).asDoubleStream().toArray();
    }

    /** The noise levels of this run, one per timestep and a final 0. */
    public float[] sigmas() {
        return sigmas.clone();
    }

    @Override
    public float[] addNoise(float[] original, float[] noise, int stepIndex) {
        float sigma = sigmas[stepIndex];
        return FloatArrays.axpby(alphaOf(sigma), original, sigma * alphaOf(sigma), noise);
    }

    @Override
    public Step step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        if (sigmas.length == 0) throw new IllegalStateException("Call setTimesteps before stepping");
        float sigma = sigmas[stepIndex];
        float alpha = alphaOf(sigma);
        float sigmaT = sigma * alpha;
        float[] original = new float[sample.length];
        for (int i = 0; i < original.length; i++) {
            original[i] = switch (prediction) {
                case EPSILON -> (sample[i] - sigmaT * modelOutput[i]) / alpha;
                case V_PREDICTION -> alpha * sample[i] - sigmaT * modelOutput[i];
                case SAMPLE -> modelOutput[i];
            };
        }
        boolean last = stepIndex == timesteps.length - 1;
        float[] prev = stepsTaken < 1 || last
                ? firstOrder(original, stepIndex, sample)
                : secondOrder(original, previousOriginal, stepIndex, sample);
        previousOriginal = original;
        stepsTaken++;
        return new Step(prev, original);
    }

    /** DPM-Solver++ 1 (= DDIM in the data-prediction form). */
    private float[] firstOrder(float[] original, int i, float[] sample) {
        Level t = new Level(sigmas[i + 1]);
        Level s = new Level(sigmas[i]);
        float h = t.lambda - s.lambda;
        float sampleCoeff = t.sigma / s.sigma;
        float originalCoeff = t.alpha * ((float) Math.exp(-h) - 1f);
        float[] prev = new float[sample.length];
        for (int j = 0; j < prev.length; j++) prev[j] = sampleCoeff * sample[j] - originalCoeff * original[j];
        return prev;
    }

    /** DPM-Solver++(2M), midpoint form: D1 = (m0 - m1) / r0 enters with weight 1/2. */
    private float[] secondOrder(float[] m0, float[] m1, int i, float[] sample) {
        Level t = new Level(sigmas[i + 1]);
        Level s0 = new Level(sigmas[i]);
        Level s1 = new Level(sigmas[i - 1]);
        float h = t.lambda - s0.lambda;
        float h0 = s0.lambda - s1.lambda;
        float r0 = h0 / h;
        float sampleCoeff = t.sigma / s0.sigma;
        float originalCoeff = t.alpha * ((float) Math.exp(-h) - 1f);
        float[] prev = new float[sample.length];
        for (int j = 0; j < prev.length; j++) {
            float d1 = (1f / r0) * (m0[j] - m1[j]);
            prev[j] = sampleCoeff * sample[j] - originalCoeff * m0[j] - 0.5f * originalCoeff * d1;
        }
        return prev;
    }

    private static float alphaOf(float sigma) {
        return 1f / (float) Math.sqrt(sigma * sigma + 1f);
    }

    /** alpha_t, sigma_t and lambda_t = log(alpha_t / sigma_t) of a noise level, in float32 as torch computes them. */
    private static final class Level {
        final float alpha;
        final float sigma;
        final float lambda;

        Level(float sigmaVe) {
            alpha = alphaOf(sigmaVe);
            sigma = sigmaVe * alpha;
            lambda = (float) Math.log(alpha) - (float) Math.log(sigma);
        }
    }
}
