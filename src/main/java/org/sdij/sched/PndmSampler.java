package org.sdij.sched;

import java.util.ArrayList;
import java.util.List;
import org.sdij.random.NoiseSource;

/**
 * PLMS: the pseudo linear multistep half of PNDM (Liu et al. 2022), diffusers' PNDMScheduler with
 * skip_prk_steps. It repeats the second timestep once (a Heun-like restart), so N steps give N+1 entries.
 * Its history counts the steps taken, so an img2img run that starts late warms up the same way.
 */
public final class PndmSampler extends AlphaSampler {
    private final float finalAlphaCumprod;
    private final List<float[]> history = new ArrayList<>(); // diffusers' ets: model outputs, newest last
    private float[] firstSample;
    private int counter;

    public PndmSampler(SchedulerConfig config) {
        super(config.forClass(SchedulerConfig.PNDM));
        if (!this.config.skipPrkSteps()) {
            throw new IllegalArgumentException("PNDM with skip_prk_steps=false (Runge-Kutta warm-up) is not supported;"
                    + " SD configs set skip_prk_steps=true");
        }
        if (prediction == Prediction.SAMPLE) throw new IllegalArgumentException("PNDM supports epsilon or v_prediction");
        finalAlphaCumprod = this.config.setAlphaToOne() ? 1f : schedule.alphaCumprod(0);
    }

    @Override
    public void setTimesteps(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be positive, got " + steps);
        int[] down = descendingIntegers(config, steps);
        // ascending a_0..a_{n-1} become the PLMS list reversed(a_0..a_{n-2}, a_{n-2}, a_{n-1})
        int n = down.length;
        List<Integer> plms = new ArrayList<>();
        plms.add(down[0]);
        if (n >= 2) plms.add(down[1]);
        for (int i = 1; i < n; i++) plms.add(down[i]);
        timesteps = plms.stream().mapToInt(Integer::intValue).toArray();
        inferenceSteps = steps;
        history.clear();
        firstSample = null;
        counter = 0;
    }

    /** The repeated entry is a warm-up call, not a step of its own: N steps, N+1 calls (minus where img2img begins). */
    @Override
    public int stepsFrom(int begin) {
        requireTimesteps();
        return Math.min(timesteps.length - begin, inferenceSteps - begin);
    }

    @Override
    public Step step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        requireTimesteps();
        int t = timesteps[stepIndex];
        int prevT = previousTimestep(t);
        // PLMS forms no clean-latent estimate of its own; this one (as DDIM's, from this call's output) is for
        // previews only and takes no part in the step
        float[] original = prediction.originalFromAlpha(sample, modelOutput, schedule.alphaCumprod(t));
        if (counter != 1) {
            while (history.size() > 3) history.remove(0);
            history.add(modelOutput.clone()); // kept across steps: the caller may reuse its buffer
        } else {
            // the repeated entry: redo the first step from its start with the averaged slope
            prevT = t;
            t = t + config.numTrainTimesteps() / inferenceSteps;
        }

        int n = history.size();
        float[] e1 = history.get(n - 1);
        float[] slope;
        if (n == 1 && counter == 0) {
            slope = modelOutput;
            firstSample = sample.clone();
        } else if (n == 1 && counter == 1) {
            slope = new float[sample.length];
            for (int i = 0; i < slope.length; i++) slope[i] = (modelOutput[i] + e1[i]) / 2f;
            sample = firstSample;
            firstSample = null;
        } else {
            slope = adamsBashforth(n);
        }
        float[] prev = previousSample(sample, t, prevT, slope);
        counter++;
        return new Step(prev, original);
    }

    /** Linear multistep combinations of the last 2, 3 or 4 model outputs. */
    private float[] adamsBashforth(int n) {
        float[] e1 = history.get(n - 1);
        float[] e2 = history.get(n - 2);
        float[] out = new float[e1.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (n) {
                case 2 -> (3f * e1[i] - e2[i]) / 2f;
                case 3 -> (23f * e1[i] - 16f * e2[i] + 5f * history.get(n - 3)[i]) / 12f;
                default -> (float) (1.0 / 24) * (55f * e1[i] - 59f * e2[i] + 37f * history.get(n - 3)[i]
                        - 9f * history.get(n - 4)[i]);
            };
        }
        return out;
    }

    /** Formula (9) of the PNDM paper: x_{t-delta} from x_t and the noise estimate. */
    private float[] previousSample(float[] sample, int t, int prevT, float[] modelOutput) {
        float alpha = schedule.alphaCumprod(t);
        float alphaPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod;
        float beta = 1f - alpha;
        float betaPrev = 1f - alphaPrev;
        float[] epsilon = prediction == Prediction.V_PREDICTION
                ? FloatArrays.axpby((float) Math.sqrt(alpha), modelOutput, (float) Math.sqrt(beta), sample)
                : modelOutput;
        float sampleCoeff = (float) Math.sqrt(alphaPrev / alpha);
        float denominator = alpha * (float) Math.sqrt(betaPrev) + (float) Math.sqrt(alpha * beta * alphaPrev);
        float difference = alphaPrev - alpha;
        float[] prev = new float[sample.length];
        for (int i = 0; i < prev.length; i++) {
            prev[i] = sampleCoeff * sample[i] - difference * epsilon[i] / denominator;
        }
        return prev;
    }
}
