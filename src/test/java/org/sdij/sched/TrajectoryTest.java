package org.sdij.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.sdij.GoldenFloats;
import org.sdij.random.NoiseSource;

/**
 * Runs every golden trajectory free (our own latents feed the next step) with the README's stand-in model
 * {@code 0.5 * scale_model_input(sample, t) + 0.1 * cos(t / 1000)} and checks every intermediate tensor.
 */
@Tag("golden")
class TrajectoryTest {
    static final double ATOL = 1e-5;
    private static final Map<String, Double> MAX_ERRORS = new TreeMap<>();

    @TestFactory
    List<DynamicTest> everyTrajectory() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonElement> c : Goldens.cases().getAsJsonObject("trajectories").entrySet()) {
            tests.add(DynamicTest.dynamicTest(c.getKey(), () -> run(c.getKey(), c.getValue().getAsJsonObject())));
        }
        assertTrue(!tests.isEmpty(), "no trajectories in " + Goldens.CASES);
        return tests;
    }

    @AfterAll
    static void report() {
        MAX_ERRORS.forEach((k, v) -> System.out.printf("trajectory %-32s max abs error %.3g%n", k, v));
    }

    private static void run(String caseName, JsonObject spec) {
        String prefix = "traj/" + caseName + "/";
        Sampler sampler = Goldens.samplerFor(caseName);
        NoiseSource noise = Goldens.stepGenerator(spec.getAsJsonObject("step_kwargs"));
        sampler.setTimesteps(spec.get("num_inference_steps").getAsInt());
        assertEquals(spec.get("init_noise_sigma").getAsFloat(), sampler.initNoiseSigma(), 0f);

        float[] latents = FloatArrays.scale(sampler.initNoiseSigma(), Goldens.tensor(prefix + "initial_noise"));
        double worst = check(0, latents, prefix + "latents_0");
        double[] timesteps = sampler.timesteps();
        var steps = spec.getAsJsonArray("steps");
        assertEquals(steps.size(), timesteps.length);
        for (int i = 0; i < timesteps.length; i++) {
            float t = (float) timesteps[i];
            assertEquals(steps.get(i).getAsJsonObject().get("t").getAsDouble(), t, 0.0, "t at step " + i);
            String step = prefix + String.format("step%02d/", i);
            float[] input = sampler.scaleModelInput(latents, i);
            worst = check(worst, input, step + "scaled_input");
            float[] output = standInModel(input, t);
            worst = check(worst, output, step + "model_output");
            Sampler.Step result = sampler.step(output, i, latents, noise);
            worst = check(worst, result.prevSample(), step + "prev_sample");
            if (Goldens.hasTensor(step + "pred_original_sample")) {
                worst = check(worst, result.predOriginalSample(), step + "pred_original_sample");
            }
            latents = result.prevSample();
        }
        synchronized (MAX_ERRORS) {
            MAX_ERRORS.put(caseName, worst);
        }
    }

    /** The README's deterministic stand-in for the UNet, in torch's float32 order of operations. */
    static float[] standInModel(float[] scaledInput, float t) {
        float offset = (float) (0.1 * Math.cos((double) t / 1000));
        float[] out = new float[scaledInput.length];
        for (int i = 0; i < out.length; i++) out[i] = 0.5f * scaledInput[i] + offset;
        return out;
    }

    private static double check(double worst, float[] actual, String golden) {
        double err = GoldenFloats.maxAbsDiff(actual, Goldens.tensor(golden));
        assertTrue(err <= ATOL, golden + ": max abs error " + err + " > " + ATOL);
        return Math.max(worst, err);
    }
}
