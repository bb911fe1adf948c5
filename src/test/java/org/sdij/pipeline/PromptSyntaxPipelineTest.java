package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sdij.io.SafeTensorsFile;
import org.sdij.text.ClipTokenizer;
import org.sdij.text.PromptSyntax;

/**
 * The prompt syntax through the pipelines on the tiny models: every case's prompts (which use no syntax) give
 * diffusers' embeddings, bit-identical under both syntaxes; a long prompt becomes 77 * k tokens that the UNet
 * attends to, its negative prompt padded with empty chunks (and the other way round); plain syntax cuts it, says
 * so, and the metadata records which syntax made the image.
 */
@Tag("golden")
class PromptSyntaxPipelineTest {

    private static final double EMBEDS_ATOL = 1e-4;
    private static final int LENGTH = ClipTokenizer.CONTEXT_LENGTH;

    @AfterAll
    static void close() {
        PipelineCases.closeAll();
    }

    @TestFactory
    Stream<DynamicTest> casePromptsGiveTheGoldenEmbeddingsUnderBothSyntaxes() throws IOException {
        return PipelineCases.all("txt2img", "img2img", "inpaint", "depth2img", "upscale").map(c ->
                DynamicTest.dynamicTest(c.name(), () -> {
                    StableDiffusion model = PipelineCases.model(c.tinyModel(), false);
                    try (NDManager m = NDManager.newBaseManager(); SafeTensorsFile golden = c.golden()) {
                        float[] a1111 = model.encodePrompts(c.prompt(), c.negativePrompt(), PromptSyntax.A1111, 1,
                                true, m).toFloatArray();
                        float[] plain = model.encodePrompts(c.prompt(), c.negativePrompt(), PromptSyntax.PLAIN, 1,
                                true, m).toFloatArray();
                        assertArrayEquals(plain, a1111, "bit-identical under both syntaxes");
                        if (!golden.contains("input.prompt_embeds") || !golden.contains("input.negative_prompt_embeds")) {
                            return;
                        }
                        float[] negative = golden.load("input.negative_prompt_embeds", m).toFloatArray();
                        float[] prompt = golden.load("input.prompt_embeds", m).toFloatArray();
                        float[] want = new float[negative.length + prompt.length];
                        System.arraycopy(negative, 0, want, 0, negative.length);
                        System.arraycopy(prompt, 0, want, negative.length, prompt.length);
                        PipelineGoldenTest.assertClose(want, a1111, EMBEDS_ATOL, c.name() + " embeddings");
                    }
                }));
    }

    /** The tiny model of the set's first txt2img case, and a prompt of it long enough for two chunks. */
    private static StableDiffusion model() throws Exception {
        return InpaintFallbackTest.modelOf("txt2img");
    }

    private static String longPrompt(StableDiffusion model) throws Exception {
        String base = PipelineCases.all("txt2img").findFirst().orElseThrow().prompt();
        StringBuilder prompt = new StringBuilder(base);
        while (model.tokenizer().tokens(prompt.toString()).length <= ClipTokenizer.MAX_PROMPT_TOKENS) {
            prompt.append(", ").append(base);
        }
        return prompt.toString();
    }

    private static float[] slice(NDArray context, int row, int chunk) {
        return context.get(new NDIndex("{}:{}, {}:{}, :", row, row + 1, chunk * LENGTH, (chunk + 1) * LENGTH))
                .toFloatArray();
    }

    @Test
    void theShorterOfPromptAndNegativePromptIsPaddedWithEmptyChunks() throws Exception {
        StableDiffusion model = model();
        String longOne = longPrompt(model);
        int images = 2;
        try (NDManager m = NDManager.newBaseManager()) {
            float[] empty = model.encodePrompts("", "", PromptSyntax.A1111, 1, false, m).toFloatArray();
            float[] shortOne = model.encodePrompts("blurry", "", PromptSyntax.A1111, 1, false, m).toFloatArray();
            float[] longAlone = model.encodePrompts(longOne, "", PromptSyntax.A1111, 1, false, m).toFloatArray();

            NDArray context = model.encodePrompts(longOne, "blurry", PromptSyntax.A1111, images, true, m);
            int width = (int) context.getShape().get(2);
            assertEquals(new Shape(2 * images, 2 * LENGTH, width), context.getShape(), "[negative x n; prompt x n]");
            for (int row = 0; row < images; row++) {
                assertArrayEquals(shortOne, slice(context, row, 0), "negative prompt, row " + row);
                assertArrayEquals(empty, slice(context, row, 1), "negative padded with the empty prompt");
                float[] cond = context.get(new NDIndex("{}:{}", images + row, images + row + 1)).toFloatArray();
                assertArrayEquals(longAlone, cond, "prompt, row " + row);
            }

            NDArray reversed = model.encodePrompts("blurry", longOne, PromptSyntax.A1111, 1, true, m);
            assertEquals(new Shape(2, 2 * LENGTH, width), reversed.getShape());
            assertArrayEquals(longAlone, reversed.get(new NDIndex("0:1")).toFloatArray(), "a long negative prompt");
            assertArrayEquals(shortOne, slice(reversed, 1, 0));
            assertArrayEquals(empty, slice(reversed, 1, 1), "the prompt padded with the empty prompt");

            NDArray unguided = model.encodePrompts(longOne, "blurry", PromptSyntax.A1111, 1, false, m);
            assertEquals(new Shape(1, 2 * LENGTH, width), unguided.getShape());
        }
    }

    /**
     * A long prompt runs through the UNet's cross-attention as 154 tokens and its second chunk changes the
     * image; plain syntax cuts it to the first 75 tokens and says how many it dropped. The metadata names the syntax.
     */
    @Test
    void aLongPromptIsDenoisedWholeAndPlainSyntaxCutsItAndSaysSo() throws Exception {
        StableDiffusion model = model();
        String longOne = longPrompt(model);
        List<String> warnings = new ArrayList<>();
        model.onWarning(warnings::add);
        try {
            int side = 4 * model.vaeScale(); // small: only the attention over the tokens matters here
            var request = new GenerationRequest(longOne, longOne, 3, 1, 7.5, null, side, side, 1, null, null);
            Generation whole = TextToImage.run(model, request, StepListener.NONE);
            assertEquals(List.of(), warnings, "nothing is dropped in a1111 syntax");
            assertEquals("a1111", whole.metadata().get(0).extra().get(GenerationMetadata.PROMPT_SYNTAX));
            assertTrue(whole.metadata().get(0).toParameters().contains(", Prompt syntax: a1111, "));

            Generation cut = TextToImage.run(model, request.withPromptSyntax(PromptSyntax.PLAIN), StepListener.NONE);
            assertEquals("plain", cut.metadata().get(0).asMap().get(GenerationMetadata.PROMPT_SYNTAX));
            int tokens = model.tokenizer().tokens(longOne).length;
            String dropped = "has " + tokens + " tokens; plain prompt syntax keeps the first 75 and drops "
                    + (tokens - ClipTokenizer.MAX_PROMPT_TOKENS) + " (\"";
            assertEquals(2, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("the prompt " + dropped), warnings.get(0));
            assertTrue(warnings.get(1).startsWith("the negative prompt " + dropped), warnings.get(1));
            assertFalse(Arrays.equals(whole.latents(), cut.latents()), "the second chunk reaches the UNet");

        } finally {
            model.onWarning(message -> System.err.println("sd-ij: warning: " + message));
        }
    }
}
