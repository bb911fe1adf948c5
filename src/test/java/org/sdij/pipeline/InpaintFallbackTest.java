package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;
import org.sdij.random.TorchGenerator;
import org.sdij.sched.Sampler;

/**
 * Inpainting with a plain 4-channel model (the tiny SD 1) falls back to masked img2img as diffusers' inpaint
 * pipeline does: after every step the kept region is the image's latents (the seed's first draw) noised
 * with the starting noise (its second draw) to the next timestep, and after the last step the clean image
 * latents, bit for bit; the metadata says so. Batches give one image per noise.
 */
@Tag("golden")
class InpaintFallbackTest {

    @AfterAll
    static void close() {
        PipelineCases.closeAll();
    }

    /** The picture and mask these tests make themselves: a {@value #SIDE}-pixel square and a rectangle in it. */
    static final int SIDE = 64;

    static RgbImage picture() {
        return TestPictures.smooth(SIDE, SIDE);
    }

    static Plane rectangleMask() {
        return TestPictures.rectangle(SIDE, SIDE, SIDE / 8, SIDE / 4, SIDE * 5 / 8 - 1, SIDE * 3 / 4 - 1);
    }

    /** The tiny model the set's first case of {@code pipeline} ran on. */
    static StableDiffusion modelOf(String pipeline) throws Exception {
        String tiny = PipelineCases.all(pipeline).findFirst().map(PipelineCases.Case::tinyModel)
                .orElseThrow(() -> new TestAbortedException("the reference set has no " + pipeline + " case"));
        return PipelineCases.model(tiny, false);
    }

    @Test
    void keptRegionFollowsTheNoisedImageLatents() throws Exception {
        StableDiffusion model = modelOf("txt2img");
        assertEquals(4, model.unet().config().inChannels(), "txt2img cases run on a plain 4-channel UNet");
        RgbImage image = picture();
        Plane mask = rectangleMask();
        long seed = 21;
        int steps = 3;
        var request = new GenerationRequest("a horse", "", seed, steps, 7.5, "ddim", null, null, 1, image, null);
        List<float[]> after = new ArrayList<>();
        Generation result = Inpaint.run(model, request, Inpaint.Settings.raw(mask),
                (s, t, latents) -> after.add(latents.clone()));
        assertEquals("masked img2img (4-channel model)", result.metadata().get(0).extra().get("Inpaint mode"));

        TorchGenerator draws = new TorchGenerator(seed);
        float[] imageLatents;
        try (NDManager scope = model.manager().newSubManager()) {
            imageLatents = ImageToImage.encode(model, image, draws, scope);
        }
        int latentSide = SIDE / 8;
        float[] noise = draws.randn(1, 4, latentSide, latentSide);
        Sampler sampler = model.sampler("ddim");
        sampler.setTimesteps(steps);
        float[] latentMask = InpaintMasks.latentMask(InpaintMasks.binarize(mask.values()), SIDE, SIDE, 8, 1, false);
        assertEquals(steps, after.size());
        for (int i = 0; i < steps; i++) {
            float[] known = i + 1 < steps ? sampler.addNoise(imageLatents, noise, i + 1) : imageLatents;
            int repainted = 0;
            for (int j = 0; j < known.length; j++) {
                if (latentMask[j % (latentSide * latentSide)] == 0f) {
                    assertEquals(Float.floatToIntBits(known[j]), Float.floatToIntBits(after.get(i)[j]),
                            "step " + i + " kept latent " + j);
                } else if (known[j] != after.get(i)[j]) {
                    repainted++;
                }
            }
            assertTrue(repainted > 0, "step " + i + " changed the masked latents");
        }
    }

    @Test
    void aBatchGivesOneImagePerNoise() throws Exception {
        StableDiffusion model = modelOf("inpaint");
        RgbImage image = picture();
        Plane mask = rectangleMask();
        var request = new GenerationRequest("a horse", "", 3, 2, 7.5, "ddim", null, null, 2, image, 0.9);
        Generation result = Inpaint.run(model, request, new Inpaint.Settings(mask, true, 2f, null), StepListener.NONE);
        assertEquals(2, result.images().size());
        assertFalse(Arrays.equals(result.images().get(0).planes()[0], result.images().get(1).planes()[0]));
        for (RgbImage out : result.images()) {
            for (int i = 0; i < mask.values().length; i++) {
                if (mask.values()[i] < 0.5f) assertEquals(image.planes()[1][i], out.planes()[1][i], 0f);
            }
        }
    }
}
