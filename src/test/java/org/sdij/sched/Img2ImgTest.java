package org.sdij.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sdij.GoldenFloats;

/** diffusers' img2img get_timesteps (incl. t_start * order and set_begin_index) and the noised start latents. */
@Tag("golden")
class Img2ImgTest {
    private static final Pattern KEY = Pattern.compile("steps(\\d+)_strength([0-9.]+)");
    private static final Map<String, Double> MAX_ERRORS = new TreeMap<>();

    @TestFactory
    List<DynamicTest> everyCaseStepsAndStrength() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonElement> c : Goldens.cases().getAsJsonObject("img2img").entrySet()) {
            for (Map.Entry<String, JsonElement> run : c.getValue().getAsJsonObject().entrySet()) {
                tests.add(DynamicTest.dynamicTest(c.getKey() + " " + run.getKey(),
                        () -> check(c.getKey(), run.getKey(), run.getValue().getAsJsonObject())));
            }
        }
        assertTrue(!tests.isEmpty(), "no img2img cases in " + Goldens.CASES);
        return tests;
    }

    @AfterAll
    static void report() {
        MAX_ERRORS.forEach((k, v) -> System.out.printf("img2img noisy latents %-32s max abs error %.3g%n", k, v));
    }

    private static void check(String caseName, String key, JsonObject expected) {
        Matcher m = KEY.matcher(key);
        assertTrue(m.matches(), key);
        int steps = Integer.parseInt(m.group(1));
        double strength = Double.parseDouble(m.group(2));
        Sampler sampler = Goldens.samplerFor(caseName);
        sampler.setTimesteps(steps);
        Samplers.Img2ImgStart start = Samplers.img2imgStart(sampler, steps, strength);

        double[] all = sampler.timesteps();
        JsonArray want = expected.getAsJsonArray("timesteps");
        assertEquals(want.size(), all.length - start.beginIndex(), "remaining timesteps");
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i).getAsDouble(), all[start.beginIndex() + i], 0.0, "timestep " + i);
        }
        assertEquals(expected.get("num_inference_steps_effective").getAsInt(), start.effectiveSteps());
        assertEquals(steps, sampler.stepsFrom(0), "the steps a whole run counts (progress)");
        assertEquals(start.effectiveSteps(), sampler.stepsFrom(start.beginIndex()), "the steps this run counts (progress)");
        if (!expected.get("begin_index").isJsonNull()) {
            assertEquals(expected.get("begin_index").getAsInt(), start.beginIndex(), "begin_index");
        }
        assertEquals(expected.get("latent_timestep").getAsDouble(), all[start.beginIndex()], 0.0);

        String prefix = "img2img/" + caseName + "/" + key + "/";
        float[] noisy = sampler.addNoise(Goldens.tensor(prefix + "init_latents"), Goldens.tensor(prefix + "noise"),
                start.beginIndex());
        double err = GoldenFloats.maxAbsDiff(noisy, Goldens.tensor(prefix + "noisy_latents"));
        assertTrue(err <= TrajectoryTest.ATOL, prefix + "noisy_latents: max abs error " + err);
        synchronized (MAX_ERRORS) {
            MAX_ERRORS.merge(caseName, err, Math::max);
        }
    }

    @Test
    void tooLowStrengthLeavesNothingToRun() {
        Sampler sampler = Samplers.create("ddim", SchedulerConfig.fromJson(Goldens.cases().getAsJsonObject("base_config")));
        sampler.setTimesteps(10);
        assertThrows(IllegalArgumentException.class, () -> Samplers.img2imgStart(sampler, 10, 0.05));
        assertEquals(new Samplers.Img2ImgStart(9, 1), Samplers.img2imgStart(sampler, 10, 0.1));
    }
}
