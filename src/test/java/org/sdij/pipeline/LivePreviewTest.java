package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sdij.io.Presets;
import org.sdij.nn.vae.VaeConfig;
import org.sdij.sched.Samplers;

/**
 * The live preview: the sampler's x0 prediction through the shipped latent-to-RGB map, at the first step; a
 * run's images are the same bit for bit with and without it; the least-squares fit behind such maps.
 */
class LivePreviewTest {

    @AfterAll
    static void close() {
        PipelineCases.closeAll();
    }

    private static GenerationRequest request(String sampler, int steps, int images) {
        return new GenerationRequest("a red barn", "", 7L, steps, null, sampler, 64, 64, images, null, null);
    }

    @Test
    void theImagesAreBitIdenticalWithAndWithoutPreviews() {
        StableDiffusion sd = PipelineCases.model("sd1", false);
        List<RgbImage> previews = new ArrayList<>();
        Generation with = TextToImage.run(sd, request(null, 3, 2),
                LivePreview.around(StepListener.NONE, sd, 1, (preview, step, total) -> previews.add(preview)));
        Generation without = TextToImage.run(sd, request(null, 3, 2), StepListener.NONE);
        assertTrue(!previews.isEmpty(), "no preview was shown");
        assertEquals(without.images().size(), with.images().size());
        for (int i = 0; i < with.images().size(); i++) {
            for (int c = 0; c < 3; c++) {
                assertArrayEquals(without.images().get(i).planes()[c], with.images().get(i).planes()[c],
                        "image " + i + ", channel " + c);
            }
        }
        assertEquals(64, previews.get(0).width(), "a preview has the image's size");
        assertEquals(64, previews.get(0).height());
    }

    @Test
    void everySamplerShowsAPreviewAtTheFirstStep() {
        StableDiffusion sd = PipelineCases.model("sd1", false);
        for (String sampler : Samplers.NAMES) {
            List<Integer> steps = new ArrayList<>();
            TextToImage.run(sd, request(sampler, 2, 1),
                    LivePreview.around(StepListener.NONE, sd, 1, (preview, step, total) -> steps.add(step)));
            assertTrue(!steps.isEmpty() && steps.get(0) == 1, sampler + ": previews at steps " + steps);
        }
    }

    @Test
    void noPreviewWhenTurnedOff() {
        StableDiffusion sd = PipelineCases.model("sd1", false);
        StepListener inner = StepListener.NONE;
        assertTrue(LivePreview.around(inner, sd, 0, (p, s, t) -> {}) == inner);
    }

    @Test
    void theShippedMapServesTheSdVaeNotTheUpscalers() throws IOException {
        for (String preset : List.of("sd15", "sd2_base_512", "sd2_768_v")) {
            LatentRgbMap map = LatentRgbMap.forVae(VaeConfig.fromJson(Presets.config(preset, "vae")));
            assertNotNull(map, preset);
            assertEquals(4, map.factors().length);
        }
        assertNull(LatentRgbMap.forVae(VaeConfig.fromJson(Presets.config("sd_x4_upscaler", "vae"))),
                "the x4 upscaler's VAE has a map of its own to be fitted");
    }

    @Test
    void aFitRecoversAnExactlyLinearDecoder() {
        float[][] factors = {{0.3f, 0.2f, -0.1f}, {-0.25f, 0.5f, 0.15f}, {0.1f, -0.2f, 0.3f}, {0.05f, 0.1f, -0.6f}};
        float[] bias = {0.02f, -0.05f, 0.1f};
        LatentRgbMap truth = new LatentRgbMap("truth", factors, bias);
        Shape shape = new Shape(2, 4, 6, 5);
        int factor = 2;
        float[] latents = new float[(int) shape.size()];
        Random random = new Random(3);
        for (int i = 0; i < latents.length; i++) latents[i] = 0.8f * (2 * random.nextFloat() - 1); // no colour clamped
        float[] decoded = new float[2 * 3 * 12 * 10];
        for (int b = 0; b < 2; b++) {
            RgbImage picture = truth.image(latents, shape, b, factor); // [0, 1] and clamped: keep values small
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 120; i++) decoded[(b * 3 + c) * 120 + i] = picture.planes()[c][i] * 2f - 1f;
            }
        }
        LatentRgbMap fitted = LatentRgbMap.fit("fitted", latents, shape, decoded, factor);
        for (int k = 0; k < 4; k++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(factors[k][c], fitted.factors()[k][c], 1e-4, "factor " + k + "," + c);
            }
        }
        for (int c = 0; c < 3; c++) assertEquals(bias[c], fitted.bias()[c], 1e-4, "bias " + c);
    }
}
