package org.sdij.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.sdij.Reference;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;
import org.sdij.nn.Weights;

/**
 * Emphasis and long prompts through the text encoder of every tiny model: weighted outputs are the unweighted
 * ones times the token weights, rescaled to the unweighted mean (A1111's rule, computed here in double from the
 * encoder's own unweighted output); chunks are encoded on their own and joined, padding chunks are the empty
 * prompt's embeddings, and an unweighted chunk is the encoder's output bit for bit.
 */
class PromptEncoderTest {

    private static final String EMPHASIZED = "a (photograph:1.5) of [an astronaut] riding ((a horse)), (unbalanced";

    @TestFactory
    Stream<DynamicTest> everyTinyModel() throws IOException {
        List<Path> folders;
        try (Stream<Path> dirs = Files.list(Reference.resolve("tiny-models"))) {
            folders = dirs.filter(d -> Files.isRegularFile(d.resolve("text_encoder/config.json"))).sorted().toList();
        }
        assertTrue(!folders.isEmpty(), "no tiny model with a text encoder");
        return folders.stream().flatMap(folder -> Stream.of(
                DynamicTest.dynamicTest(folder.getFileName() + ": emphasis keeps the mean",
                        () -> withEncoder(folder, PromptEncoderTest::emphasisIsWeightedAndRescaled)),
                DynamicTest.dynamicTest(folder.getFileName() + ": chunks joined and padded",
                        () -> withEncoder(folder, PromptEncoderTest::chunksAreEncodedApartAndJoined))));
    }

    interface Check {
        void run(ClipTokenizer tokenizer, ClipTextEncoder encoder, NDManager manager);
    }

    private static void withEncoder(Path folder, Check check) throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
             ModelFiles model = ModelLocator.open(folder, ModelOptions.DEFAULT);
             ClipTokenizer tokenizer = ClipTokenizer.forModel(model);
             ClipTextEncoder encoder = ClipTextEncoder.load(
                     ClipTextConfig.fromJson(model.config(ModelFiles.Component.TEXT_ENCODER).toString()),
                     Weights.of(model.weights(ModelFiles.Component.TEXT_ENCODER), manager))) {
            check.run(tokenizer, encoder, manager);
        }
    }

    private static void emphasisIsWeightedAndRescaled(ClipTokenizer tokenizer, ClipTextEncoder encoder,
                                                      NDManager manager) {
        PromptChunks chunks = PromptChunks.of(EMPHASIZED, PromptSyntax.A1111, tokenizer);
        assertEquals(1, chunks.count());
        assertTrue(chunks.weighted());
        float[] weights = chunks.weights().get(0);
        float[] plain = encoder.encode(new long[][] {chunks.ids().get(0)}, manager).toFloatArray();
        int tokens = weights.length;
        int width = plain.length / tokens;

        double plainMean = 0;
        double weightedMean = 0;
        for (int i = 0; i < plain.length; i++) {
            plainMean += plain[i];
            weightedMean += (double) plain[i] * weights[i / width];
        }
        plainMean /= plain.length;
        weightedMean /= plain.length;
        NDArray got = PromptEncoder.encode(encoder, chunks, 1, tokenizer, manager);
        assertEquals(new Shape(1, tokens, width), got.getShape());
        float[] values = got.toFloatArray();
        double worst = 0;
        double mean = 0;
        for (int i = 0; i < plain.length; i++) {
            double expected = plain[i] * (double) weights[i / width] * (plainMean / weightedMean);
            worst = Math.max(worst, Math.abs(values[i] - expected));
            mean += values[i];
        }
        mean /= plain.length;
        System.out.printf("  emphasis: max abs error %.3g, mean %.6f (unweighted %.6f)%n", worst, mean, plainMean);
        assertTrue(worst <= 1e-5, "max abs error " + worst);
        assertEquals(plainMean, mean, 1e-5, "the mean is the unweighted mean");

        PromptChunks asText = PromptChunks.of(EMPHASIZED, PromptSyntax.PLAIN, tokenizer);
        assertTrue(!asText.weighted(), "plain syntax: no emphasis, the brackets are text");
        assertTrue(!java.util.Arrays.equals(asText.ids().get(0), chunks.ids().get(0)));
    }

    private static void chunksAreEncodedApartAndJoined(ClipTokenizer tokenizer, ClipTextEncoder encoder,
                                                       NDManager manager) {
        String prompt = String.join(", ", Collections.nCopies(30, "a red barn")) + " BREAK at dawn";
        PromptChunks chunks = PromptChunks.of(prompt, PromptSyntax.A1111, tokenizer);
        assertTrue(chunks.count() >= 3, "more than 75 tokens and a BREAK: " + chunks.count() + " chunks");
        int length = ClipTokenizer.CONTEXT_LENGTH;
        int padded = chunks.count() + 2;
        NDArray joined = PromptEncoder.encode(encoder, chunks, padded, tokenizer, manager);
        int width = encoder.config().hiddenSize();
        assertEquals(new Shape(1, (long) length * padded, width), joined.getShape());
        for (int c = 0; c < padded; c++) {
            long[] ids = c < chunks.count() ? chunks.ids().get(c) : tokenizer.encode("");
            float[] alone = encoder.encode(new long[][] {ids}, manager).toFloatArray();
            float[] part = joined.get(new NDIndex(":, {}:{}, :", c * length, (c + 1) * length)).toFloatArray();
            assertArrayEquals(alone, part, "chunk " + c + (c < chunks.count() ? "" : " (padding: the empty prompt)"));
        }

        PromptChunks empty = PromptChunks.of("", PromptSyntax.A1111, tokenizer);
        float[] emptyAlone = encoder.encode(new long[][] {tokenizer.encode("")}, manager).toFloatArray();
        assertArrayEquals(emptyAlone, PromptEncoder.encode(encoder, empty, 1, tokenizer, manager).toFloatArray(),
                "an unweighted single chunk is the encoder's output as it is");
    }
}
