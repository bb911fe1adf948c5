package org.sdij.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Long prompts in chunks of 75 tokens as AUTOMATIC1111 makes them, with the bundled CLIP vocabulary and both
 * paddings: where a chunk ends (75 tokens; after the last comma when it is within the last 20; at BREAK), what a
 * chunk holds (start, tokens, end, padding), the weights per token, and the plain syntax's cut.
 */
class PromptChunksTest {

    private static ClipTokenizer sd1;
    private static ClipTokenizer sd2;
    private static final int CHUNK = PromptChunks.CHUNK_TOKENS;

    @BeforeAll
    static void load() throws IOException {
        sd1 = ClipTokenizer.bundled(ClipTokenizer.SD1_PAD_TOKEN);
        sd2 = ClipTokenizer.bundled(ClipTokenizer.SD2_PAD_TOKEN);
        assertEquals(1, sd1.tokens("cat").length, "'cat' is one token");
        assertEquals(2, sd1.tokens("cat,").length, "'cat,' is a word and a comma");
        assertEquals(sd1.commaId(), sd1.tokens("cat,")[1]);
    }

    @AfterAll
    static void close() {
        sd1.close();
        sd2.close();
    }

    private static String cats(int n) {
        return String.join(" ", Collections.nCopies(n, "cat"));
    }

    /** A chunk as A1111 makes it: start, the tokens, end, then the pad token to 77 ids. */
    private static long[] row(ClipTokenizer t, long[] tokens, int from, int to) {
        long[] row = new long[ClipTokenizer.CONTEXT_LENGTH];
        Arrays.fill(row, t.padId());
        row[0] = t.startId();
        System.arraycopy(tokens, from, row, 1, to - from);
        row[to - from + 1] = t.endId();
        return row;
    }

    private static PromptChunks a1111(ClipTokenizer t, String prompt) {
        return PromptChunks.of(prompt, PromptSyntax.A1111, t);
    }

    @Test
    void seventyFiveTokensAreOneChunkAndEachFurtherTokenStartsAnother() {
        for (ClipTokenizer t : List.of(sd1, sd2)) {
            long[] tokens = t.tokens(cats(2 * CHUNK + 1));
            PromptChunks one = a1111(t, cats(CHUNK));
            assertEquals(1, one.count());
            assertArrayEquals(t.encode(cats(CHUNK)), one.ids().get(0));

            PromptChunks three = a1111(t, cats(2 * CHUNK + 1));
            assertEquals(3, three.count());
            assertEquals(2 * CHUNK + 1, three.tokens());
            assertArrayEquals(row(t, tokens, 0, CHUNK), three.ids().get(0));
            assertArrayEquals(row(t, tokens, CHUNK, 2 * CHUNK), three.ids().get(1));
            assertArrayEquals(row(t, tokens, 2 * CHUNK, 2 * CHUNK + 1), three.ids().get(2));
            assertEquals(t.padId(), three.ids().get(2)[3], "padded after the end token");
            assertEquals(0, three.dropped().length);
            assertEquals(false, three.weighted());
        }
    }

    /**
     * A chunk full at 75 tokens with a comma at most 20 tokens back ends after the comma; the words after it
     * open the next chunk. A comma further back, or a comma as the 76th token, does not move anything.
     */
    @Test
    void aFullChunkEndsAfterItsLastCommaWhenThatIsWithinTheLastTwenty() {
        for (int commaAt : new int[] {CHUNK - PromptChunks.COMMA_BACKTRACK, CHUNK - 1, CHUNK - 5}) {
            // commaAt words, the comma attached to the last of them, then words well into the next chunk
            String prompt = cats(commaAt) + ", " + cats(40);
            long[] tokens = sd1.tokens(prompt);
            assertEquals(sd1.commaId(), tokens[commaAt]);
            PromptChunks chunks = a1111(sd1, prompt);
            assertEquals(2, chunks.count(), "comma at " + commaAt);
            assertArrayEquals(row(sd1, tokens, 0, commaAt + 1), chunks.ids().get(0), "comma at " + commaAt);
            assertArrayEquals(row(sd1, tokens, commaAt + 1, tokens.length), chunks.ids().get(1));
        }
        int tooFar = CHUNK - PromptChunks.COMMA_BACKTRACK - 1;
        String prompt = cats(tooFar) + ", " + cats(40);
        long[] tokens = sd1.tokens(prompt);
        PromptChunks chunks = a1111(sd1, prompt);
        assertArrayEquals(row(sd1, tokens, 0, CHUNK), chunks.ids().get(0), "a comma 21 back is too far");
        assertArrayEquals(row(sd1, tokens, CHUNK, tokens.length), chunks.ids().get(1));

        String commaAfterFull = cats(CHUNK) + ", " + cats(3);
        tokens = sd1.tokens(commaAfterFull);
        chunks = a1111(sd1, commaAfterFull);
        assertArrayEquals(row(sd1, tokens, 0, CHUNK), chunks.ids().get(0));
        assertArrayEquals(row(sd1, tokens, CHUNK, tokens.length), chunks.ids().get(1), "the comma opens chunk 2");
    }

    @Test
    void breakStartsANewChunk() {
        for (ClipTokenizer t : List.of(sd1, sd2)) {
            PromptChunks two = a1111(t, "a red cat BREAK a blue dog");
            assertEquals(2, two.count());
            assertArrayEquals(t.encode("a red cat"), two.ids().get(0));
            assertArrayEquals(t.encode("a blue dog"), two.ids().get(1));

            PromptChunks leading = a1111(t, "BREAK a blue dog");
            assertEquals(2, leading.count(), "as A1111: a BREAK first leaves an empty first chunk");
            assertArrayEquals(PromptChunks.emptyChunk(t), leading.ids().get(0));

            long[] tokens = t.tokens(cats(CHUNK + 10));
            PromptChunks broken = a1111(t, cats(CHUNK + 10) + " BREAK dog");
            assertEquals(3, broken.count());
            assertArrayEquals(row(t, tokens, CHUNK, CHUNK + 10), broken.ids().get(1));
            assertArrayEquals(t.encode("dog"), broken.ids().get(2));
        }
    }

    @Test
    void eachTokenCarriesTheWeightOfItsPiece() {
        PromptChunks chunks = a1111(sd1, "a (red:1.5) cat [on] ((grass))");
        assertArrayEquals(sd1.encode("a red cat on grass"), chunks.ids().get(0), "the brackets are no tokens");
        float[] expected = new float[ClipTokenizer.CONTEXT_LENGTH];
        Arrays.fill(expected, 1f);
        expected[2] = 1.5f;
        expected[4] = (float) (1 / 1.1);
        expected[5] = (float) (1.1 * 1.1);
        assertArrayEquals(expected, chunks.weights().get(0));
        assertTrue(chunks.weighted());

        long[] tokens = sd1.tokens(cats(CHUNK + 1) + " dog");
        PromptChunks second = a1111(sd1, cats(CHUNK + 1) + " (dog:0.5)");
        assertArrayEquals(row(sd1, tokens, CHUNK, tokens.length), second.ids().get(1));
        assertEquals(0.5f, second.weights().get(1)[2], "the weight follows its token into the second chunk");
        assertEquals(1f, second.weights().get(0)[CHUNK]);
    }

    @Test
    void plainSyntaxIsOneChunkCutAfter75TokensAndSaysWhatItDrops() {
        for (ClipTokenizer t : List.of(sd1, sd2)) {
            String prompt = cats(CHUNK) + " red dog (big)";
            PromptChunks plain = PromptChunks.of(prompt, PromptSyntax.PLAIN, t);
            assertEquals(1, plain.count());
            assertArrayEquals(t.encode(prompt), plain.ids().get(0));
            assertEquals(false, plain.weighted(), "no emphasis");
            long[] tokens = t.tokens(prompt);
            assertEquals(tokens.length, plain.tokens());
            assertArrayEquals(Arrays.copyOfRange(tokens, CHUNK, tokens.length), plain.dropped());
            assertEquals("the prompt has " + tokens.length + " tokens; plain prompt syntax keeps the first 75 and"
                    + " drops " + (tokens.length - CHUNK) + " (\"red dog ( big )\"). Use prompt syntax a1111 to keep"
                    + " them all.", PromptChunks.droppedWarning("prompt", plain, PromptSyntax.PLAIN, t));
            assertEquals(0, PromptChunks.of(cats(CHUNK), PromptSyntax.PLAIN, t).dropped().length);
        }
    }

    @Test
    void promptsWithoutSyntaxGiveTheTokenizersIdsUnderBothSyntaxes() {
        for (ClipTokenizer t : List.of(sd1, sd2)) {
            for (String prompt : List.of("", "a photograph of an astronaut riding a horse", "red, green: blue!",
                    cats(CHUNK))) {
                for (PromptSyntax syntax : PromptSyntax.values()) {
                    PromptChunks chunks = PromptChunks.of(prompt, syntax, t);
                    assertEquals(1, chunks.count());
                    assertArrayEquals(t.encode(prompt), chunks.ids().get(0), prompt);
                    assertEquals(false, chunks.weighted());
                }
            }
        }
    }
}
