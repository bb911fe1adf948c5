package org.sdij.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A prompt as chunks of {@value ClipTokenizer#CONTEXT_LENGTH} ids for the text encoder, each with a weight per
 * id. Under {@link PromptSyntax#A1111} (as AUTOMATIC1111's web UI) a prompt of any length fills as many chunks of
 * {@value #CHUNK_TOKENS} tokens as it needs, each with its own start, end and padding; when a chunk is full and
 * its last comma is at most {@value #COMMA_BACKTRACK} tokens back, the tokens after that comma move on to the
 * next chunk, so a phrase is not cut in two; {@code BREAK} starts a new chunk. Under {@link PromptSyntax#PLAIN}
 * (diffusers) there is one chunk and tokens past {@value #CHUNK_TOKENS} are dropped ({@link #dropped()}).
 *
 * @param ids one row of {@value ClipTokenizer#CONTEXT_LENGTH} ids per chunk: start, tokens, end, padding
 * @param weights the weight of each id (1 for start, end and padding)
 * @param tokens the prompt's tokens, all chunks together (without start, end and padding)
 * @param dropped the tokens cut off at the end (plain syntax only; empty otherwise)
 */
public record PromptChunks(List<long[]> ids, List<float[]> weights, int tokens, long[] dropped) {

    public static final int CHUNK_TOKENS = ClipTokenizer.MAX_PROMPT_TOKENS;
    /** How far back from a chunk's end a comma may be to move the words after it to the next chunk. */
    public static final int COMMA_BACKTRACK = 20;

    public static PromptChunks of(String prompt, PromptSyntax syntax, ClipTokenizer tokenizer) {
        return syntax == PromptSyntax.PLAIN ? plain(prompt, tokenizer) : a1111(prompt, tokenizer);
    }

    public int count() {
        return ids.size();
    }

    /** Whether any weight differs from 1 (otherwise the encoder's output is used as it is). */
    public boolean weighted() {
        for (float[] w : weights) {
            for (float x : w) if (x != 1f) return true;
        }
        return false;
    }

    private static PromptChunks plain(String prompt, ClipTokenizer tokenizer) {
        long[] tokens = tokenizer.tokens(prompt);
        long[] dropped = tokens.length > CHUNK_TOKENS ? Arrays.copyOfRange(tokens, CHUNK_TOKENS, tokens.length)
                : new long[0];
        float[] ones = new float[ClipTokenizer.CONTEXT_LENGTH];
        Arrays.fill(ones, 1f);
        return new PromptChunks(List.of(tokenizer.encode(prompt)), List.of(ones), tokens.length, dropped);
    }

    private static PromptChunks a1111(String prompt, ClipTokenizer tokenizer) {
        Builder b = new Builder(tokenizer);
        for (PromptParser.Piece piece : PromptParser.parse(prompt)) {
            if (piece.chunkBreak()) {
                b.close();
                continue;
            }
            for (long token : tokenizer.tokens(piece.text())) b.add(token, (float) piece.weight());
        }
        if (b.size() > 0 || b.ids.isEmpty()) b.close();
        return new PromptChunks(List.copyOf(b.ids), List.copyOf(b.weights), b.tokens, new long[0]);
    }

    /** The chunk being filled and the chunks done. */
    private static final class Builder {
        final ClipTokenizer tokenizer;
        final long comma;
        final List<long[]> ids = new ArrayList<>();
        final List<float[]> weights = new ArrayList<>();
        long[] current = new long[CHUNK_TOKENS];
        float[] currentWeights = new float[CHUNK_TOKENS];
        int size;
        int lastComma = -1;
        int tokens;

        Builder(ClipTokenizer tokenizer) {
            this.tokenizer = tokenizer;
            this.comma = tokenizer.commaId();
        }

        int size() {
            return size;
        }

        void add(long token, float weight) {
            if (token == comma) {
                lastComma = size;
            } else if (size == CHUNK_TOKENS && lastComma >= 0 && size - lastComma <= COMMA_BACKTRACK) {
                int from = lastComma + 1;
                long[] moved = Arrays.copyOfRange(current, from, size);
                float[] movedWeights = Arrays.copyOfRange(currentWeights, from, size);
                size = from;
                close();
                System.arraycopy(moved, 0, current, 0, moved.length);
                System.arraycopy(movedWeights, 0, currentWeights, 0, moved.length);
                size = moved.length;
            }
            if (size == CHUNK_TOKENS) close();
            current[size] = token;
            currentWeights[size] = weight;
            size++;
            tokens++;
        }

        /** Start, the chunk's tokens, end, then padding; weight 1 outside the tokens. */
        void close() {
            long[] row = new long[ClipTokenizer.CONTEXT_LENGTH];
            float[] w = new float[ClipTokenizer.CONTEXT_LENGTH];
            Arrays.fill(row, tokenizer.padId());
            Arrays.fill(w, 1f);
            row[0] = tokenizer.startId();
            System.arraycopy(current, 0, row, 1, size);
            System.arraycopy(currentWeights, 0, w, 1, size);
            row[size + 1] = tokenizer.endId();
            ids.add(row);
            weights.add(w);
            size = 0;
            lastComma = -1;
        }
    }

    /**
     * What the user is told when the plain syntax cuts a prompt: how many tokens, and which words, are dropped.
     *
     * @param what "prompt" or "negative prompt"
     */
    public static String droppedWarning(String what, PromptChunks chunks, PromptSyntax syntax, ClipTokenizer tokenizer) {
        String words = tokenizer.decode(chunks.dropped()).strip();
        return "the " + what + " has " + chunks.tokens() + " tokens; " + syntax.id() + " prompt syntax keeps the first "
                + CHUNK_TOKENS + " and drops " + chunks.dropped().length + " (\"" + words + "\"). Use prompt syntax "
                + PromptSyntax.A1111.id() + " to keep them all.";
    }

    /** The ids of an empty chunk (the empty prompt), which pads the shorter of prompt and negative prompt. */
    public static long[] emptyChunk(ClipTokenizer tokenizer) {
        return tokenizer.encode("");
    }
}
