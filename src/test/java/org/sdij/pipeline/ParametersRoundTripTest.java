package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sdij.io.ModelHash;

/**
 * {@link GenerationMetadata#fromParameters} is the inverse of {@link GenerationMetadata#toParameters}: over records of
 * every pipeline, with A1111 emphasis, BREAK, commas, colons, quotes and line breaks in prompts and values, the text
 * gives the record back (the hash as its 10 digits) and the record gives the same text.
 */
class ParametersRoundTripTest {

    private static final String HASH = "62e9c30971b467f30d0e32cf944f66a7feaddb63e0a3570d828ea1f8642ba1b3";

    private static Map<String, String> extra(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return m;
    }

    private static List<GenerationMetadata> records() {
        List<GenerationMetadata> r = new ArrayList<>();
        r.add(new GenerationMetadata("txt2img", "sd-v1-5", "SD1 text to image", HASH,
                "a (lighthouse:1.3) at dawn, [fog], ((waves)) BREAK oil painting", "blurry, low quality", 42, 1, 30,
                "euler", 7.5, null, null, 512, 512, "sd-ij 0.1.0", extra("Prompt syntax", "a1111")));
        r.add(new GenerationMetadata("txt2img", "tiny, with: comma", "SD1 text to image", null,
                "first line\nsecond line, with a comma\n\nNegative prompts are words", "", -1L, 3, 1, "ddim", 0.0,
                null, null, 8, 16, "sd-ij 0.1.0", extra("Prompt syntax", "plain", "Weights", "fp16 in memory")));
        r.add(new GenerationMetadata("img2img", "sd2", "SD2 text to image (v)", HASH, "", "multi\nline negative", 7, 2,
                4, "dpm++2m", 9.0, 0.75, null, 64, 48, "sd-ij 0.1.0", extra("input_title", "cat \"big\".tif",
                        "input_region", "0,0,64,48", "input_position", "z=3 t=1", "Prompt syntax", "a1111")));
        r.add(new GenerationMetadata("inpaint", "sd2-inpaint", "SD2 inpainting", HASH, "a cat: sitting", "dog", 3, 1,
                2, "pndm", 7.5, 1.0, null, 32, 32, "sd-ij 0.1.0", extra("Inpaint mode", "inpainting model",
                        "Paste-back", "feather 3.0 px", "Only masked", "padding 32 px; box 64x64 at 0,0",
                        "mask_pixels", "120", "Prompt syntax", "a1111")));
        r.add(new GenerationMetadata("depth2img", "sd2-depth", "SD2 depth", null, "a room\\nwith a backslash", " ",
                11, 1, 3, "ddim", 7.5, 0.8, null, 24, 16, "sd-ij 0.1.0", extra("Depth map", "estimated, 12x8",
                        "Depth estimator", "DPT-Hybrid (dpt-hybrid-midas): 384 px", "Prompt syntax", "a1111")));
        r.add(new GenerationMetadata("upscale", "x4", "x4 upscaler", HASH, "a cat\r\nand \ttabs", "", 5, 1, 75,
                "ddim", 9.0, null, 20, 256, 256, "sd-ij 0.1.0", extra("Tiles", "4 of 32 px overlapping 8",
                        "Prompt syntax", "a1111")));
        return r;
    }

    private static GenerationMetadata withShortHash(GenerationMetadata m) {
        return new GenerationMetadata(m.pipeline(), m.model(), m.modelKind(), ModelHash.shortForm(m.modelHash()),
                m.prompt(), m.negativePrompt(), m.seed(), m.imageIndex(), m.steps(), m.sampler(), m.guidance(),
                m.strength(), m.noiseLevel(), m.width(), m.height(), m.version(), m.extra());
    }

    @TestFactory
    List<DynamicTest> theTextGivesTheRecordBackAndTheRecordTheText() {
        return records().stream().map(m -> DynamicTest.dynamicTest(m.pipeline() + " " + m.model(), () -> {
            String text = m.toParameters();
            GenerationMetadata back = GenerationMetadata.fromParameters(text);
            assertEquals(withShortHash(m), back, text);
            assertEquals(text, back.toParameters());
            assertEquals(List.copyOf(m.asMap().keySet()), List.copyOf(back.asMap().keySet()), "the same order");
        })).toList();
    }

    @Test
    void aValueWithACommaIsQuotedAsA1111DoesAndTheSettingsStayOneLine() {
        GenerationMetadata depth = records().get(4);
        String text = depth.toParameters();
        assertTrue(text.contains(", Depth map: \"estimated, 12x8\", Depth estimator: \"DPT-Hybrid (dpt-hybrid-midas): "
                + "384 px\", "), text);
        String settings = text.substring(text.lastIndexOf('\n') + 1);
        assertTrue(settings.startsWith("Steps: 3, Sampler: ddim, CFG scale: 7.5, Seed: 11, Size: 24x16, "), settings);
    }

    @Test
    void aTextWithoutItsPartsIsRefusedSayingWhatIsMissing() {
        String text = records().get(0).toParameters();
        var noSettings = assertThrows(IllegalArgumentException.class, () -> GenerationMetadata.fromParameters("a cat"));
        assertTrue(noSettings.getMessage().contains("no settings line"), noSettings.getMessage());
        var noSeed = assertThrows(IllegalArgumentException.class,
                () -> GenerationMetadata.fromParameters(text.replace(", Seed: 42", "")));
        assertEquals("the parameters text gives no Seed", noSeed.getMessage());
        var noNegative = assertThrows(IllegalArgumentException.class,
                () -> GenerationMetadata.fromParameters(text.replace("Negative prompt: ", "")));
        assertTrue(noNegative.getMessage().contains("no 'Negative prompt:' line"), noNegative.getMessage());
    }
}
