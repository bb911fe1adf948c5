package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.sdij.cli.ImageFiles;
import org.sdij.io.SafeTensorsFile;

/**
 * Every txt2img and img2img case of {@code reference/pipelines}, run from the tiny model as a
 * diffusers folder and as a single file, tokenizing the prompt itself: latents after every step
 * and the final images against diffusers'.
 */
@Tag("golden")
class PipelineGoldenTest {

    static final double LATENT_ATOL = 1e-4;
    static final double EULER_RELATIVE = 1e-5;
    static final double IMAGE_ATOL = 1e-4;

    @AfterAll
    static void close() {
        PipelineCases.closeAll();
    }

    @TestFactory
    Stream<DynamicTest> casesReproduceDiffusers() throws IOException {
        return PipelineCases.all("txt2img", "img2img").flatMap(c -> Stream.of(false, true).map(single ->
                DynamicTest.dynamicTest(c.name() + (single ? " [single file]" : " [folder]"), () -> check(c, single))));
    }

    private static void check(PipelineCases.Case c, boolean singleFile) throws Exception {
        StableDiffusion model = PipelineCases.model(c.tinyModel(), singleFile);
        var spec = c.spec();
        var call = c.manifest().getAsJsonObject("call");
        var text = c.manifest().getAsJsonObject("text");
        try (SafeTensorsFile golden = c.golden(); NDManager m = NDManager.newBaseManager()) {
            String prompt = text.get("prompt").getAsString();
            String negative = text.get("negative_prompt").getAsString();
            assertArrayEquals(golden.load("input.prompt_ids", m).toLongArray(),
                    model.tokenizer().encode(prompt), "prompt ids");

            boolean img2img = c.pipeline().equals("img2img");
            RgbImage init = img2img ? ImageFiles.read(c.folder().resolve("init_image.png")) : null;
            var request = new GenerationRequest(prompt, negative, spec.get("seed").getAsLong(),
                    spec.get("steps").getAsInt(), spec.get("guidance_scale").getAsDouble(),
                    spec.get("scheduler").getAsString(),
                    img2img ? null : call.get("width").getAsInt(), img2img ? null : call.get("height").getAsInt(),
                    call.get("num_images_per_prompt").getAsInt(), init,
                    img2img ? spec.get("strength").getAsDouble() : null);
            float[] given = golden.contains("input.latents") ? golden.load("input.latents", m).toFloatArray() : null;

            List<float[]> steps = new ArrayList<>();
            StepListener record = (step, total, latents) -> steps.add(latents.clone());
            Generation result = img2img ? ImageToImage.run(model, request, record)
                    : TextToImage.run(model, request, given, record);

            boolean euler = spec.get("scheduler").getAsString().startsWith("euler");
            int expectedSteps = (int) golden.info("record.timesteps").shape()[0];
            assertEquals(expectedSteps, steps.size(), "steps run");
            for (int i = 0; i < steps.size(); i++) {
                float[] want = golden.load("record.latents_after_step_" + i, m).toFloatArray();
                double tol = euler ? Math.max(EULER_RELATIVE * maxAbs(want), LATENT_ATOL) : LATENT_ATOL;
                assertClose(want, steps.get(i), tol, "latents after step " + i);
            }
            float[] images = golden.load("output.images", m).toFloatArray();
            int per = images.length / result.images().size();
            for (int b = 0; b < result.images().size(); b++) {
                float[] want = java.util.Arrays.copyOfRange(images, b * per, (b + 1) * per);
                assertClose(want, result.images().get(b).toHwc(), IMAGE_ATOL, "image " + b);
            }
        }
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
        System.out.printf("  %s: max abs error %.3g (tolerance %.3g)%n", what, worst, tol);
        assertTrue(worst <= tol, what + ": max abs error " + worst + " > " + tol);
    }
}
