package org.sdij.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sdij.GoldenFloats;
import org.sdij.Reference;

/** add_noise at training timesteps, and the x4 upscaler's low-res noise for both candidate beta schedules. */
@Tag("golden")
class AddNoiseTest {

    @Test
    void alphaSamplersAtTrainingTimesteps() {
        JsonObject cases = Goldens.cases().getAsJsonObject("add_noise");
        float[] original = Goldens.tensor("add_noise/original");
        float[] noise = Goldens.tensor("add_noise/noise");
        Map<String, Double> errors = new TreeMap<>();
        int checked = 0;
        for (String prefix : new String[] {"ddpm", "ddim", "pndm_plms"}) {
            AlphaSampler sampler = (AlphaSampler) Goldens.samplerFor(prefix + "__epsilon");
            for (JsonElement t : cases.getAsJsonObject(prefix).getAsJsonArray("timesteps")) {
                float[] noisy = sampler.schedule().addNoise(original, noise, t.getAsInt());
                double err = GoldenFloats.maxAbsDiff(noisy, Goldens.tensor("add_noise/" + prefix + "/t" + t.getAsInt()));
                assertTrue(err <= TrajectoryTest.ATOL, prefix + " t=" + t + ": " + err);
                errors.merge(prefix, err, Math::max);
                checked++;
            }
        }
        assertTrue(checked > 0, "no add_noise timesteps in " + Goldens.CASES);
        errors.forEach((k, v) -> System.out.printf("add_noise %-10s max abs error %.3g%n", k, v));
    }

    @Test
    void upscalerLowResNoiseBothSchedules() {
        JsonObject cases = Goldens.cases().getAsJsonObject("add_noise");
        float[] image = Goldens.tensor("upscaler_low_res/image");
        float[] noise = Goldens.tensor("upscaler_low_res/noise");
        int checked = 0;
        for (String key : new String[] {"low_res_scaled_linear", "low_res_linear"}) {
            JsonObject c = cases.getAsJsonObject(key);
            DdpmSampler ddpm = new DdpmSampler(SchedulerConfig.fromJson(c.getAsJsonObject("config")));
            double worst = 0;
            for (JsonElement level : c.getAsJsonArray("noise_levels")) {
                float[] noisy = ddpm.schedule().addNoise(image, noise, level.getAsInt());
                double err = GoldenFloats.maxAbsDiff(noisy,
                        Goldens.tensor("upscaler_low_res/" + key + "/noise_level" + level.getAsInt()));
                assertTrue(err <= TrajectoryTest.ATOL, key + " level " + level + ": " + err);
                worst = Math.max(worst, err);
                checked++;
            }
            System.out.printf("upscaler %-22s max abs error %.3g%n", key, worst);
        }
        assertTrue(checked > 0, "no low-res noise levels in " + Goldens.CASES);
    }

    /** The shipped low_res_scheduler_config.json builds the scaled_linear schedule of the goldens. */
    @Test
    void shippedLowResConfigIsTheScaledLinearCase() {
        SchedulerConfig shipped = SchedulerConfig.fromJson(
                Goldens.readJson(Reference.resolve("configs/sd_x4_upscaler/low_res_scheduler_config.json")));
        Sampler sampler = Samplers.forConfig(shipped);
        assertTrue(sampler instanceof DdpmSampler);
        float[] alphas = ((DdpmSampler) sampler).schedule().alphasCumprod();
        JsonObject levels = Goldens.cases().getAsJsonObject("add_noise")
                .getAsJsonObject("low_res_scaled_linear").getAsJsonObject("alphas_cumprod_at_levels");
        for (String level : levels.keySet()) {
            assertEquals(levels.get(level).getAsFloat(), alphas[Integer.parseInt(level)], 0f, "level " + level);
        }
    }
}
