package org.sdij.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/** timesteps, sigmas, init_noise_sigma and order of every golden case and step count. */
@Tag("golden")
class TimestepsTest {

    @TestFactory
    List<DynamicTest> everyCaseAndStepCount() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonElement> c : Goldens.cases().getAsJsonObject("timesteps").entrySet()) {
            for (Map.Entry<String, JsonElement> n : c.getValue().getAsJsonObject().entrySet()) {
                tests.add(DynamicTest.dynamicTest(c.getKey() + " N=" + n.getKey(), () ->
                        check(c.getKey(), Integer.parseInt(n.getKey()), n.getValue().getAsJsonObject())));
            }
        }
        assertTrue(!tests.isEmpty(), "no timesteps cases in " + Goldens.CASES);
        return tests;
    }

    /** The model-shipped path: Samplers.forConfig over the config diffusers ended up with gives the same. */
    @TestFactory
    List<DynamicTest> forConfigOfEachCaseConfig() {
        List<DynamicTest> tests = new ArrayList<>();
        JsonObject configs = Goldens.cases().getAsJsonObject("configs");
        for (Map.Entry<String, JsonElement> c : configs.entrySet()) {
            tests.add(DynamicTest.dynamicTest(c.getKey(), () -> {
                SchedulerConfig config = SchedulerConfig.fromJson(c.getValue().getAsJsonObject());
                Sampler own = Samplers.forConfig(config);
                Sampler swapped = Goldens.samplerFor(c.getKey());
                assertEquals(swapped.getClass(), own.getClass());
                assertEquals(Goldens.SAMPLER_NAMES.get(c.getKey().split("__")[0]), Samplers.nameOf(config));
                for (int n : new int[] {1, 10, 25}) {
                    own.setTimesteps(n);
                    swapped.setTimesteps(n);
                    assertEquals(List.of(toList(swapped.timesteps())), List.of(toList(own.timesteps())));
                }
            }));
        }
        return tests;
    }

    private static void check(String caseName, int steps, JsonObject expected) {
        Sampler sampler = Goldens.samplerFor(caseName);
        sampler.setTimesteps(steps);
        double[] timesteps = sampler.timesteps();
        JsonArray want = expected.getAsJsonArray("timesteps");
        assertEquals(want.size(), timesteps.length, "number of timesteps");
        for (int i = 0; i < timesteps.length; i++) {
            assertEquals(want.get(i).getAsDouble(), timesteps[i], 0.0, "timestep " + i);
        }
        assertEquals(expected.get("init_noise_sigma").getAsFloat(), sampler.initNoiseSigma(), 0f, "init_noise_sigma");
        assertEquals(expected.get("order").getAsInt(), sampler.order(), "order");
        if (expected.has("sigmas")) {
            float[] sigmas = sigmasOf(sampler);
            JsonArray wantSigmas = expected.getAsJsonArray("sigmas");
            assertEquals(wantSigmas.size(), sigmas.length, "number of sigmas");
            for (int i = 0; i < sigmas.length; i++) {
                float w = wantSigmas.get(i).getAsFloat();
                assertEquals(w, sigmas[i], 1e-6 * Math.abs(w), "sigma " + i);
            }
        }
    }

    static float[] sigmasOf(Sampler sampler) {
        if (sampler instanceof SigmaSampler s) return s.sigmas();
        if (sampler instanceof DpmSolverMultistepSampler d) return d.sigmas();
        throw new AssertionError(sampler.getClass().getSimpleName() + " has no sigmas");
    }

    private static Double[] toList(double[] values) {
        Double[] out = new Double[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i];
        return out;
    }
}
