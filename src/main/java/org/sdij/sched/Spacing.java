package org.sdij.sched;

/**
 * How diffusers picks inference timesteps and sigmas (numpy arithmetic, float64 unless noted), shared by the
 * samplers. "leading" / "linspace" / "trailing" are Table 2 of Lin et al. 2023 (arXiv 2305.08891).
 */
final class Spacing {
    private Spacing() {}

    /**
     * {@code count} timesteps in descending order. Integer schedulers round the linspace values (half to even,
     * as numpy); float ones (Euler, LMS) keep them as float32.
     */
    static double[] descending(String spacing, int trainSteps, int count, int stepsOffset, boolean integer) {
        double[] t;
        switch (spacing) {
            case "linspace" -> {
                t = new double[count];
                double step = count > 1 ? (trainSteps - 1.0) / (count - 1) : 0;
                for (int i = 0; i < count; i++) {
                    double v = i == count - 1 && count > 1 ? trainSteps - 1 : i * step;
                    t[count - 1 - i] = integer ? Math.rint(v) : (float) v;
                }
            }
            case "leading" -> {
                int ratio = trainSteps / count;
                t = new double[count];
                for (int i = 0; i < count; i++) t[count - 1 - i] = (double) i * ratio + stepsOffset;
            }
            case "trailing" -> {
                double[] values = numpyArange(trainSteps, 0, -(double) trainSteps / count);
                t = new double[values.length];
                for (int i = 0; i < t.length; i++) t[i] = Math.rint(values[i]) - 1;
            }
            default -> throw new IllegalArgumentException("Unknown timestep_spacing '" + spacing
                    + "' (expected leading, linspace or trailing)");
        }
        return t;
    }

    /** np.arange(start, stop, step) for floats: ceil((stop-start)/step) values start + i*delta. */
    static double[] numpyArange(double start, double stop, double step) {
        int n = (int) Math.max(0, Math.ceil((stop - start) / step));
        double delta = (start + step) - start; // numpy fills from its first two values
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = start + i * delta;
        return out;
    }

    /** np.interp(x, arange(len(table)), table): the table's value at a (possibly fractional) timestep. */
    static double interp(double x, float[] table) {
        int last = table.length - 1;
        if (x <= 0) return table[0];
        if (x >= last) return table[last];
        int j = (int) Math.floor(x);
        if (x == j) return table[j];
        double slope = (double) table[j + 1] - table[j];
        return slope * (x - j) + table[j];
    }

    /** Karras et al. 2022 (eq. 5) noise levels, rho = 7, from sigmaMax down to sigmaMin. */
    static double[] karras(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double minInvRho = Math.pow(sigmaMin, 1 / rho);
        double maxInvRho = Math.pow(sigmaMax, 1 / rho);
        double[] sigmas = new double[n];
        for (int i = 0; i < n; i++) {
            double ramp = n > 1 ? (double) i / (n - 1) : 0;
            if (n > 1 && i == n - 1) ramp = 1;
            sigmas[i] = Math.pow(maxInvRho + ramp * (minInvRho - maxInvRho), rho);
        }
        return sigmas;
    }

    /**
     * The fractional training timestep of a sigma: linear interpolation in log sigma between the two
     * neighbouring table entries (clamped to the table), as diffusers' _sigma_to_t.
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) low = i;
        }
        low = Math.min(low, logSigmas.length - 2);
        double lo = logSigmas[low];
        double hi = logSigmas[low + 1];
        double w = Math.max(0, Math.min(1, (lo - logSigma) / (lo - hi)));
        return (1 - w) * low + w * (low + 1);
    }

    /** log of each float32 sigma, kept in float32 as numpy does for a float32 array. */
    static float[] logs(float[] sigmas) {
        float[] out = new float[sigmas.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) Math.log(sigmas[i]);
        return out;
    }
}
