package org.sdij.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A prompt's chunks through the text encoder: each chunk of {@value ClipTokenizer#CONTEXT_LENGTH} ids encoded on
 * its own, its outputs multiplied by the token weights and rescaled so that their mean is the unweighted mean
 * (AUTOMATIC1111's emphasis), the chunks joined along the sequence: [1, 77 * chunks, width]. A chunk whose
 * weights are all 1 is the encoder's output as it is, bit for bit.
 */
public final class PromptEncoder {
    private PromptEncoder() {}

    /**
     * The embeddings of {@code chunks}, followed by empty chunks (the empty prompt's embeddings) up to
     * {@code count} chunks, so that a prompt and its negative prompt have the same length.
     */
    public static NDArray encode(ClipTextEncoder encoder, PromptChunks chunks, int count, ClipTokenizer tokenizer,
                                 NDManager manager) {
        if (count < chunks.count()) {
            throw new IllegalArgumentException("cannot pad " + chunks.count() + " chunks to " + count);
        }
        if (count == 1) return chunk(encoder, chunks.ids().get(0), chunks.weights().get(0), manager);
        try (NDManager scope = manager.newSubManager()) {
            NDList parts = new NDList();
            for (int c = 0; c < chunks.count(); c++) {
                parts.add(chunk(encoder, chunks.ids().get(c), chunks.weights().get(c), scope));
            }
            if (count > chunks.count()) {
                NDArray empty = encoder.encode(new long[][] {PromptChunks.emptyChunk(tokenizer)}, scope);
                for (int c = chunks.count(); c < count; c++) parts.add(empty);
            }
            NDArray joined = NDArrays.concat(parts, 1);
            joined.attach(manager);
            return joined;
        }
    }

    /** One chunk's embeddings [1, 77, width], weighted when a weight differs from 1. */
    private static NDArray chunk(ClipTextEncoder encoder, long[] ids, float[] weights, NDManager manager) {
        NDArray z = encoder.encode(new long[][] {ids}, manager);
        boolean weighted = false;
        for (float w : weights) weighted |= w != 1f;
        if (!weighted) return z;
        try (NDManager scope = manager.newSubManager()) {
            z.attach(scope);
            NDArray result = emphasize(z, weights, scope);
            result.attach(manager);
            return result;
        }
    }

    /**
     * z [1, tokens, width] times each token's weight, then times (mean of z / mean of the product), computed
     * in fp32 and given back in z's type.
     */
    static NDArray emphasize(NDArray z, float[] weights, NDManager scope) {
        NDArray values = z.getDataType() == DataType.FLOAT32 ? z : z.toType(DataType.FLOAT32, false);
        NDArray originalMean = values.mean();
        NDArray perToken = scope.create(weights, new Shape(1, weights.length, 1));
        NDArray weighted = values.mul(perToken);
        NDArray rescaled = weighted.mul(originalMean.div(weighted.mean()));
        return rescaled.getDataType() == z.getDataType() ? rescaled : rescaled.toType(z.getDataType(), false);
    }
}
