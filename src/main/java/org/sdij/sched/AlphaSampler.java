package org.sdij.sched;

/**
 * Common ground of the samplers that work on integer training timesteps and alphas_cumprod (DDIM, PNDM, DDPM):
 * the sample is variance preserving, so the model input is the sample itself and the starting noise has sigma 1.
 */
abstract class AlphaSampler implements Sampler {
    protected final SchedulerConfig config;
    protected final NoiseSchedule schedule;
    protected final Prediction prediction;
    protected int inferenceSteps;
    protected int[] timesteps = new int[0];

    protected AlphaSampler(SchedulerConfig resolved) {
        this.config = resolved;
        this.schedule = NoiseSchedule.of(resolved);
        this.prediction = Prediction.of(resolved.predictionType());
    }

    /** diffusers' set_timesteps for DDIM and DDPM (PNDM adds its own warm-up). */
    @Override
    public void setTimesteps(int steps) {
        timesteps = descendingIntegers(config, steps);
        inferenceSteps = steps;
    }

    /** Integer timesteps, descending. */
    protected static int[] descendingIntegers(SchedulerConfig c, int steps) {
        if (steps < 1 || steps > c.numTrainTimesteps()) {
            throw new IllegalArgumentException("steps must be 1.." + c.numTrainTimesteps() + ", got " + steps);
        }
        double[] t = Spacing.descending(c.timestepSpacing(), c.numTrainTimesteps(), steps, c.stepsOffset(), true);
        int[] out = new int[t.length];
        for (int i = 0; i < t.length; i++) out[i] = (int) t[i];
        return out;
    }

    /** The timestep one inference step below t (negative past the end), as DDIM / PNDM / DDPM compute it. */
    protected int previousTimestep(int t) {
        return t - config.numTrainTimesteps() / inferenceSteps;
    }

    protected void requireTimesteps() {
        if (inferenceSteps == 0) throw new IllegalStateException("Call setTimesteps before stepping");
    }

    @Override
    public double[] timesteps() {
        double[] out = new double[timesteps.length];
        for (int i = 0; i < out.length; i++) out[i] = timesteps[i];
        return out;
    }

    @Override
    public float initNoiseSigma() {
        return 1f;
    }

    @Override
    public float[] scaleModelInput(float[] sample, int stepIndex) {
        return sample;
    }

    @Override
    public float[] addNoise(float[] original, float[] noise, int stepIndex) {
        return schedule.addNoise(original, noise, timesteps[stepIndex]);
    }

    public NoiseSchedule schedule() {
        return schedule;
    }
}
