package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model hash in both forms of the record: full in the key/value map, A1111's 10 digits in the parameters. */
class GenerationMetadataTest {

    private static final String HASH = "62e9c30971b467f30d0e32cf944f66a7feaddb63e0a3570d828ea1f8642ba1b3";

    private static GenerationMetadata record(String hash) {
        return new GenerationMetadata("img2img", "sd1", "SD1 text to image", hash, "a cat", "blurry", 42, 1, 4, "ddim",
                7.5, 0.75, null, 64, 64, "sd-ij 0.1.0", Map.of("Input", "cat.png"));
    }

    @Test
    void theFullHashFollowsTheModelInTheMap() {
        Map<String, String> map = record(HASH).asMap();
        assertEquals(HASH, map.get("model_hash"));
        assertEquals(List.of("pipeline", "model", "model_hash", "model_kind", "prompt", "negative_prompt", "seed",
                "image_index", "steps", "sampler", "guidance", "strength", "width", "height", "version", "Input"),
                List.copyOf(map.keySet()));
    }

    @Test
    void theParametersGiveTheShortHashRightAfterTheModel() {
        assertEquals("a cat\nNegative prompt: blurry\nSteps: 4, Sampler: ddim, CFG scale: 7.5, Seed: 42, Size: 64x64, "
                + "Model: sd1, Model hash: 62e9c30971, Model kind: SD1 text to image, Pipeline: img2img, Batch pos: 1, "
                + "Denoising strength: 0.75, Input: cat.png, Version: sd-ij 0.1.0", record(HASH).toParameters());
    }

    @Test
    void anUnknownHashIsLeftOut() {
        GenerationMetadata unknown = record(null);
        assertFalse(unknown.asMap().containsKey("model_hash"));
        assertEquals(record(HASH).toParameters().replace(" Model hash: 62e9c30971,", ""), unknown.toParameters());
    }
}
