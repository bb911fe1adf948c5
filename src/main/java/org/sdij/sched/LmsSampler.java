package org.sdij.sched;

import java.util.ArrayList;
import java.util.List;
import org.sdij.random.NoiseSource;

/**
 * Linear multistep (k-diffusion's sample_lms, order 4), diffusers' LMSDiscreteScheduler. The weight of each
 * past slope is the integral of its Lagrange basis polynomial over the step; diffusers integrates it
 * numerically (scipy quad), here Gauss-Legendre with 3 nodes integrates the cubic exactly.
 */
public final class LmsSampler extends SigmaSampler {
    static final int ORDER = 4;
    private static final double[] GAUSS_NODES = {-Math.sqrt(0.6), 0, Math.sqrt(0.6)};
    private static final double[] GAUSS_WEIGHTS = {5.0 / 9, 8.0 / 9, 5.0 / 9};

    private final List<float[]> derivatives = new ArrayList<>(); // newest last

    public LmsSampler(SchedulerConfig config) {
        super(config.forClass(SchedulerConfig.LMS), Boolean.TRUE.equals(config.useKarrasSigmas()));
        config.requireSupported("LMS", "rescale_betas_zero_snr");
    }

    @Override
    protected double karrasTimestep(double t) {
        return t; // diffusers keeps LMS's Karras timesteps in float64
    }

    @Override
    protected void clearHistory() {
        derivatives.clear();
    }

    @Override
    public Step step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        requireTimesteps();
        float sigma = sigmas[stepIndex];
        float[] original = prediction.originalFromSigma(sample, modelOutput, sigma);
        derivatives.add(derivative(sample, original, sigma));
        if (derivatives.size() > ORDER) derivatives.remove(0);

        // diffusers takes the order from the step index, not from the slopes it has: an img2img run that
        // starts late uses higher-order weights on its few slopes (and zips them with what it has)
        int order = Math.min(stepIndex + 1, ORDER);
        int terms = Math.min(order, derivatives.size());
        float[] sum = new float[sample.length];
        for (int k = 0; k < terms; k++) {
            float coeff = (float) lmsCoefficient(order, stepIndex, k);
            float[] d = derivatives.get(derivatives.size() - 1 - k);
            for (int i = 0; i < sum.length; i++) sum[i] += coeff * d[i];
        }
        float[] prev = new float[sample.length];
        for (int i = 0; i < prev.length; i++) prev[i] = sample[i] + sum[i];
        return new Step(prev, original);
    }

    /** Integral from sigma_t to sigma_{t+1} of the Lagrange basis polynomial of node t-k over nodes t..t-order+1. */
    double lmsCoefficient(int order, int t, int k) {
        double a = sigmas[t];
        double b = sigmas[t + 1];
        double half = (b - a) / 2;
        double mid = (a + b) / 2;
        double integral = 0;
        for (int g = 0; g < GAUSS_NODES.length; g++) {
            double tau = mid + half * GAUSS_NODES[g];
            double basis = 1;
            for (int m = 0; m < order; m++) {
                if (m == k) continue;
                basis *= (tau - sigmas[t - m]) / ((double) sigmas[t - k] - sigmas[t - m]);
            }
            integral += GAUSS_WEIGHTS[g] * basis;
        }
        return integral * half;
    }
}
