package org.sdij.sched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sdij.Reference;

/** Parsing scheduler configs with diffusers' from_config rules: per-class defaults, _use_default_values. */
@Tag("golden")
class SchedulerConfigTest {

    private static SchedulerConfig parse(String json) {
        return SchedulerConfig.fromJson(JsonParser.parseString(json).getAsJsonObject());
    }

    @Test
    void everyShippedModelConfigBuildsItsOwnSampler() throws IOException {
        int seen = 0;
        try (DirectoryStream<Path> models = Files.newDirectoryStream(Reference.resolve("configs"), Files::isDirectory)) {
            for (Path model : models) {
                for (String file : new String[] {"scheduler_config.json", "low_res_scheduler_config.json"}) {
                    Path path = model.resolve(file);
                    if (!Files.exists(path)) continue;
                    SchedulerConfig config = SchedulerConfig.fromJson(Goldens.readJson(path));
                    Sampler sampler = Samplers.forConfig(config);
                    sampler.setTimesteps(10);
                    assertEquals(10, sampler.timesteps().length, path.toString());
                    seen++;
                }
            }
        }
        assertTrue(seen >= 7, "expected the six models' configs, saw " + seen);
    }

    @Test
    void sd15ConfigGivesLeadingDdim() {
        SchedulerConfig config = SchedulerConfig.fromJson(Goldens.readJson(Reference.resolve("configs/sd15/scheduler_config.json")));
        assertEquals("DDIMScheduler", config.className());
        Sampler ddim = Samplers.forConfig(config);
        assertInstanceOf(DdimSampler.class, ddim);
        ddim.setTimesteps(10);
        assertArrayEquals(new double[] {901, 801, 701, 601, 501, 401, 301, 201, 101, 1}, ddim.timesteps());
    }

    /** Keys listed in _use_default_values are not carried over: the x4 config's spacing is DDIM's default only. */
    @Test
    void useDefaultValuesFallBackToTheNewClassDefaults() {
        SchedulerConfig x4 = SchedulerConfig.fromJson(
                Goldens.readJson(Reference.resolve("configs/sd_x4_upscaler/scheduler_config.json")));
        assertEquals(null, x4.timestepSpacing());
        assertEquals("leading", x4.forClass(SchedulerConfig.DDIM).timestepSpacing());
        assertEquals("linspace", x4.forClass(SchedulerConfig.EULER).timestepSpacing());
        assertEquals("v_prediction", x4.forClass(SchedulerConfig.EULER).predictionType());

        Sampler euler = Samplers.create("euler", x4);
        euler.setTimesteps(10);
        assertArrayEquals(new double[] {999, 888, 777, 666, 555, 444, 333, 222, 111, 0}, euler.timesteps());
    }

    @Test
    void missingKeysTakeTheClassDefaults() {
        SchedulerConfig empty = parse("{}");
        SchedulerConfig ddim = empty.forClass(SchedulerConfig.DDIM);
        assertTrue(ddim.clipSample());
        assertTrue(ddim.setAlphaToOne());
        assertEquals("linear", ddim.betaSchedule());
        assertEquals(0.0001, ddim.betaStart());
        assertEquals(0, ddim.stepsOffset());
        assertFalse(empty.forClass(SchedulerConfig.PNDM).skipPrkSteps());
        assertFalse(empty.forClass(SchedulerConfig.EULER).useKarrasSigmas());
        assertEquals("epsilon", empty.forClass(SchedulerConfig.DPM_MULTISTEP).predictionType());
    }

    @Test
    void pipelineFixesMakeAnOutdatedDdimConfigLeading1() {
        SchedulerConfig old = parse("{\"_class_name\": \"DDIMScheduler\"}");
        Sampler raw = Samplers.forConfig(old);
        raw.setTimesteps(10);
        assertEquals(900, raw.timesteps()[0]);
        SchedulerConfig fixed = old.withSdPipelineFixes(true);
        assertFalse(fixed.forClass(SchedulerConfig.DDIM).clipSample());
        assertTrue(fixed.forClass(SchedulerConfig.DDIM).setAlphaToOne());
        Sampler ddim = Samplers.forConfig(fixed);
        ddim.setTimesteps(10);
        assertEquals(901, ddim.timesteps()[0]);
        assertTrue(old.withSdPipelineFixes(false).forClass(SchedulerConfig.DDIM).clipSample());
    }

    @Test
    void dpmSettingsItCannotReproduceAreRefusedOnlyByDpm() {
        SchedulerConfig sde = parse("{\"_class_name\": \"DPMSolverMultistepScheduler\", \"algorithm_type\": \"sde-dpmsolver++\","
                + " \"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085, \"beta_end\": 0.012}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Samplers.forConfig(sde));
        assertTrue(e.getMessage().contains("algorithm_type"), e.getMessage());
        assertInstanceOf(DdimSampler.class, Samplers.create("ddim", sde));
    }

    @Test
    void dpmDefaultsAsWrittenByDiffusersAreAccepted() {
        JsonObject own = Goldens.cases().getAsJsonObject("configs").getAsJsonObject("dpmpp_2m_karras__epsilon");
        SchedulerConfig config = SchedulerConfig.fromJson(own);
        assertTrue(config.unsupported().isEmpty(), config.unsupported().toString());
        assertEquals("dpmpp_2m_karras", Samplers.nameOf(config));
    }

    @Test
    void pndmWithRungeKuttaWarmupIsRefused() {
        SchedulerConfig prk = parse("{\"_class_name\": \"PNDMScheduler\", \"skip_prk_steps\": false}");
        assertThrows(IllegalArgumentException.class, () -> Samplers.forConfig(prk));
    }

    @Test
    void trainedBetasReplaceTheSchedule() {
        SchedulerConfig config = parse("{\"trained_betas\": [0.1, 0.2, 0.5], \"num_train_timesteps\": 3}");
        NoiseSchedule s = NoiseSchedule.of(config.forClass(SchedulerConfig.DDPM));
        assertEquals(0.9f, s.alphaCumprod(0), 0f);
        assertEquals((float) (0.9 * 0.8 * 0.5), s.alphaCumprod(2), 1e-7f);
    }

    @Test
    void unknownNamesAndClassesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Samplers.create("heun", parse("{}")));
        assertThrows(IllegalArgumentException.class, () -> Samplers.forConfig(parse("{\"_class_name\": \"UniPCMultistepScheduler\"}")));
        assertThrows(IllegalArgumentException.class, () -> Samplers.forConfig(parse("{}")));
    }
}
