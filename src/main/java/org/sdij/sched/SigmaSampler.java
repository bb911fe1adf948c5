package org.sdij.sched;

/**
 * Common ground of the k-diffusion style samplers (Euler, Euler ancestral, LMS): they move a
 * variance-exploding sample x = x0 + sigma * eps along a list of sigmas ending in 0, and show the model
 * x / sqrt(sigma^2 + 1).
 */
abstract class SigmaSampler implements Sampler {
    protected final SchedulerConfig config;
    protected final NoiseSchedule schedule;
    protected final Prediction prediction;
    private final boolean karras;
    private final float[] trainSigmas;
    protected double[] timesteps = new double[0];
    protected float[] sigmas = new float[0]; // one per timestep, then 0

    protected SigmaSampler(SchedulerConfig resolved, boolean karras) {
        this.config = resolved;
        this.schedule = NoiseSchedule.of(resolved);
        this.prediction = Prediction.of(resolved.predictionType());
        this.karras = karras;
        this.trainSigmas = schedule.sigmas();
    }

    /** diffusers' set_timesteps of these schedulers: sigmas interpolated at the (float32) timesteps. */
    @Override
    public void setTimesteps(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be positive, got " + steps);
        double[] t = Spacing.descending(config.timestepSpacing(), config.numTrainTimesteps(), steps,
                config.stepsOffset(), false);
        double[] s = new double[t.length];
        for (int i = 0; i < t.length; i++) s[i] = Spacing.interp(t[i], trainSigmas);
        if (karras) {
            s = Spacing.karras(s[s.length - 1], s[0], steps);
            float[] logSigmas = Spacing.logs(trainSigmas);
            t = new double[s.length];
            for (int i = 0; i < s.length; i++) t[i] = karrasTimestep(Spacing.sigmaToT(s[i], logSigmas));
        }
        timesteps = t;
        sigmas = new float[s.length + 1];
        for (int i = 0; i < s.length; i++) sigmas[i] = (float) s[i];
        clearHistory();
    }

    /** How a Karras sigma's fractional timestep is stored (Euler keeps float32, LMS float64). */
    protected double karrasTimestep(double t) {
        return (float) t;
    }

    protected void clearHistory() {}

    protected void requireTimesteps() {
        if (sigmas.length == 0) throw new IllegalStateException("Call setTimesteps before stepping");
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    /** The noise levels of this run, one per timestep and a final 0. */
    public float[] sigmas() {
        return sigmas.clone();
    }

    @Override
    public float initNoiseSigma() {
        float max = 0;
        for (float s : sigmas) max = Math.max(max, s);
        String spacing = config.timestepSpacing();
        if (spacing.equals("linspace") || spacing.equals("trailing")) return max;
        return (float) Math.sqrt(max * max + 1f);
    }

    @Override
    public float[] scaleModelInput(float[] sample, int stepIndex) {
        float sigma = sigmas[stepIndex];
        return FloatArrays.divide(sample, (float) Math.sqrt(sigma * sigma + 1f));
    }

    @Override
    public float[] addNoise(float[] original, float[] noise, int stepIndex) {
        return FloatArrays.axpby(1f, original, sigmas[stepIndex], noise);
    }

    /** (sample - x0) / sigma: the slope dx/dsigma of the probability flow ODE. */
    protected static float[] derivative(float[] sample, float[] original, float sigma) {
        float[] d = new float[sample.length];
        for (int i = 0; i < d.length; i++) d[i] = (sample[i] - original[i]) / sigma;
        return d;
    }
}
