package org.sdij.sched;

import java.util.Arrays;

/**
 * Common ground of the samplers that work on integer training timesteps and alphas_cumprod (DDIM, PNDM, DDPM),
 * all {@link VariancePreserving}.
 */
abstract class AlphaSampler implements VariancePreserving {
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
        return Arrays.stream(timesteps).asDoubleStream().toArray();
    }

    @Override
    public float[] addNoise(float[] original, float[] noise, int stepIndex) {
        return schedule.addNoise(original, noise, timesteps[stepIndex]);
    }

    public NoiseSchedule schedule() {
        return schedule;
    }
}
