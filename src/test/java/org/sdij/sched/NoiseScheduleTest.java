package org.sdij.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sdij.GoldenFloats;

@Tag("golden")
class NoiseScheduleTest {

    @Test
    void alphasCumprodEqualTorchBitForBit() {
        float[] expected = Goldens.tensor("alphas_cumprod/sd");
        float[] actual = NoiseSchedule.of(SchedulerConfig.fromJson(Goldens.cases().getAsJsonObject("base_config"))
                .forClass(SchedulerConfig.DDIM)).alphasCumprod();
        int differing = 0;
        for (int t = 0; t < expected.length; t++) if (actual[t] != expected[t]) differing++;
        System.out.printf("alphas_cumprod/sd: %d of %d differ, max abs %.3g%n", differing, expected.length,
                GoldenFloats.maxAbsDiff(actual, expected));
        assertEquals(0, differing, "alphas_cumprod values differing from torch's");
    }

    /** The x4 upscaler's low-res schedules (beta 1e-4..0.02, linear and scaled_linear) at the recorded levels. */
    @Test
    void lowResSchedulesMatchRecordedLevels() {
        JsonObject addNoise = Goldens.cases().getAsJsonObject("add_noise");
        int checked = 0;
        for (String key : new String[] {"low_res_scaled_linear", "low_res_linear"}) {
            JsonObject c = addNoise.getAsJsonObject(key);
            NoiseSchedule schedule = NoiseSchedule.of(
                    SchedulerConfig.fromJson(c.getAsJsonObject("config")).forClass(SchedulerConfig.DDPM));
            for (Map.Entry<String, ?> e : c.getAsJsonObject("alphas_cumprod_at_levels").entrySet()) {
                float expected = c.getAsJsonObject("alphas_cumprod_at_levels").get(e.getKey()).getAsFloat();
                assertEquals(expected, schedule.alphaCumprod(Integer.parseInt(e.getKey())), 0f, key + " " + e.getKey());
                checked++;
            }
        }
        assertTrue(checked > 0, "no low-res levels in " + Goldens.CASES);
    }

    @Test
    void torchLinspaceKeepsEndsAndCount() {
        float[] v = NoiseSchedule.torchLinspace(0.0001, 0.02, 1000);
        assertEquals(1000, v.length);
        assertEquals(0.0001f, v[0], 0f);
        assertEquals(0.02f, v[999], 0f);
        for (int i = 1; i < v.length; i++) assertTrue(v[i] > v[i - 1]);
    }

    @Test
    void cosineScheduleIsDecreasingAndCapped() {
        JsonObject json = new JsonObject();
        json.addProperty("beta_schedule", "squaredcos_cap_v2");
        NoiseSchedule s = NoiseSchedule.of(SchedulerConfig.fromJson(json).forClass(SchedulerConfig.DDPM));
        float[] betas = s.betas();
        assertEquals(0.999f, betas[999], 0f);
        for (int t = 1; t < 1000; t++) assertTrue(s.alphaCumprod(t) < s.alphaCumprod(t - 1));
    }
}
