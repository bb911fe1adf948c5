package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sdij.pipeline.PipelineGoldenTest.assertClose;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.sdij.cli.ImageFiles;
import org.sdij.io.SafeTensorsFile;
import org.sdij.random.TorchGenerator;
import org.sdij.sched.DdpmSampler;
import org.sdij.sched.SchedulerConfig;

/**
 * Every inpaint, depth2img and upscale case of {@code reference/pipelines}, from the tiny model as a diffusers
 * folder and as a single file: latents after every step and the images against diffusers', plus the
 * intermediate records that locate a failure (the upscaler's low-res noise and noised image).
 *
 * <p>The upscale goldens were made with a low-res DDPM schedule that the case manifest records
 * ({@code components.low_res_scheduler_config}: "linear"); the tiny folder's own config says
 * "scaled_linear" (what the original x4 yaml means), so the cases run with the manifest's schedule.
 */
@Tag("golden")
class ConditionedPipelinesGoldenTest {

    static final double LATENT_ATOL = PipelineGoldenTest.LATENT_ATOL;
    static final double IMAGE_ATOL = PipelineGoldenTest.IMAGE_ATOL;

    @AfterAll
    static void close() {
        PipelineCases.closeAll();
    }

    @TestFactory
    Stream<DynamicTest> casesReproduceDiffusers() throws IOException {
        return PipelineCases.all("inpaint", "depth2img", "upscale").flatMap(c -> Stream.of(false, true).map(single ->
                DynamicTest.dynamicTest(c.name() + (single ? " [single file]" : " [folder]"), () -> check(c, single))));
    }

    /** The case's request: prompt, seed, steps, guidance and sampler as diffusers got them. */
    static GenerationRequest request(PipelineCases.Case c, RgbImage image) {
        JsonObject spec = c.spec();
        JsonObject text = c.manifest().getAsJsonObject("text");
        return new GenerationRequest(text.get("prompt").getAsString(), text.get("negative_prompt").getAsString(),
                spec.get("seed").getAsLong(), spec.get("steps").getAsInt(), spec.get("guidance_scale").getAsDouble(),
                spec.get("scheduler").getAsString(), null, null,
                c.manifest().getAsJsonObject("call").get("num_images_per_prompt").getAsInt(), image,
                spec.has("strength") ? spec.get("strength").getAsDouble() : null);
    }

    /** The low-res scheduler config the case ran with. */
    static SchedulerConfig lowResScheduler(PipelineCases.Case c) {
        JsonObject components = c.manifest().getAsJsonObject("components");
        JsonObject config = components.getAsJsonObject("low_res_scheduler_config").deepCopy();
        config.addProperty("_class_name", components.get("low_res_scheduler_class").getAsString());
        return SchedulerConfig.fromJson(config);
    }

    static Plane mask(PipelineCases.Case c) throws IOException {
        RgbImage mask = ImageFiles.read(c.folder().resolve("mask.png"));
        return new Plane(mask.width(), mask.height(), mask.planes()[0]);
    }

    private static void check(PipelineCases.Case c, boolean singleFile) throws Exception {
        StableDiffusion model = PipelineCases.model(c.tinyModel(), singleFile);
        try (SafeTensorsFile golden = c.golden(); NDManager m = NDManager.newBaseManager()) {
            String prompt = c.manifest().getAsJsonObject("text").get("prompt").getAsString();
            assertArrayEquals(golden.load("input.prompt_ids", m).toLongArray(), model.tokenizer().encode(prompt),
                    "prompt ids");
            float[] given = golden.contains("input.latents") ? golden.load("input.latents", m).toFloatArray() : null;
            List<float[]> steps = new ArrayList<>();
            StepListener record = (step, total, latents) -> steps.add(latents.clone());

            Generation result = switch (c.pipeline()) {
                case "inpaint" -> Inpaint.run(model, request(c, ImageFiles.read(c.folder().resolve("init_image.png"))),
                        Inpaint.Settings.raw(mask(c)), given, record);
                case "depth2img" -> {
                    long[] shape = golden.info("input.depth_map").shape();
                    Plane depth = new Plane((int) shape[2], (int) shape[1],
                            golden.load("input.depth_map", m).toFloatArray());
                    yield DepthToImage.run(model, request(c, ImageFiles.read(c.folder().resolve("init_image.png"))),
                            depth, record);
                }
                case "upscale" -> {
                    RgbImage low = ImageFiles.read(c.folder().resolve("low_res_image.png"));
                    checkLowRes(c, golden, m, low);
                    var settings = Upscale.Settings.defaults()
                            .withNoiseLevel(c.spec().get("noise_level").getAsInt())
                            .withLowResScheduler(lowResScheduler(c));
                    yield Upscale.run(model, request(c, low), settings, given, record);
                }
                default -> throw new IllegalStateException(c.pipeline());
            };

            int expectedSteps = (int) golden.info("record.timesteps").shape()[0];
            assertEquals(expectedSteps, steps.size(), "steps run");
            for (int i = 0; i < steps.size(); i++) {
                assertClose(golden.load("record.latents_after_step_" + i, m).toFloatArray(), steps.get(i), LATENT_ATOL,
                        c.name() + " latents after step " + i);
            }
            float[] images = golden.load("output.images", m).toFloatArray();
            int per = images.length / result.images().size();
            for (int b = 0; b < result.images().size(); b++) {
                assertClose(Arrays.copyOfRange(images, b * per, (b + 1) * per), result.images().get(b).toHwc(),
                        IMAGE_ATOL, c.name() + " image " + b);
            }
        }
    }

    /** The upscaler's inputs before the loop: [-1, 1] pixels, the first draw of the seed, the noised image. */
    private static void checkLowRes(PipelineCases.Case c, SafeTensorsFile golden, NDManager m, RgbImage low)
            throws IOException {
        float[] pixels = low.toSignedChw();
        assertArrayEquals(golden.load("record.low_res_image_preprocessed", m).toFloatArray(), pixels, 0f,
                "preprocessed low-res image");
        float[] noise = new TorchGenerator(c.spec().get("seed").getAsLong()).randn(1, 3, low.height(), low.width());
        assertArrayEquals(golden.load("record.low_res_noise", m).toFloatArray(), noise, 0f, "low-res noise");
        float[] noised = new DdpmSampler(lowResScheduler(c)).schedule()
                .addNoise(pixels, noise, c.spec().get("noise_level").getAsInt());
        assertClose(golden.load("record.low_res_image_noised", m).toFloatArray(), noised, 1e-6, "noised low-res image");
    }
}
