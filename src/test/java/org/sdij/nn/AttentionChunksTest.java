package org.sdij.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * {@link Ops#attention} cut into chunks of heads and query rows equals the textbook formula computed in
 * one piece, with and without additive masks of every supported shape, and leaves only its output alive.
 */
class AttentionChunksTest {
    private static final long HEADS = 6;
    private static final long QUERIES = 37;
    private static final long KEYS = 23;
    private static final long WIDTH = 8;
    private static final float SCALE = 0.35f;

    /** Limits that give: one row of one head; a few rows; whole heads one at a time; two heads; everything. */
    private static final long[] LIMITS = {1, 5 * KEYS, QUERIES * KEYS, 2 * QUERIES * KEYS + 7, 1L << 30};

    @Test
    void chunksEqualTheWholeComputation() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(HEADS, QUERIES, WIDTH));
            NDArray k = m.randomNormal(new Shape(HEADS, KEYS, WIDTH));
            NDArray v = m.randomNormal(new Shape(HEADS, KEYS, WIDTH));
            NDArray[] masks = {null,
                    m.randomNormal(new Shape(1, QUERIES, KEYS)),
                    m.randomNormal(new Shape(HEADS, QUERIES, KEYS)),
                    m.randomNormal(new Shape(QUERIES, KEYS)),
                    m.randomNormal(new Shape(HEADS, 1, KEYS))};
            for (NDArray mask : masks) {
                NDArray expected = textbook(q, k, v, mask);
                for (long limit : LIMITS) {
                    float error = withLimit(limit, () -> Ops.attention(q, k, v, SCALE, mask)).sub(expected).abs().max()
                            .getFloat();
                    String what = "mask " + (mask == null ? "none" : mask.getShape()) + ", limit " + limit;
                    assertTrue(error < 1e-5f, what + ": max abs error " + error);
                }
            }
        }
    }

    @Test
    void onlyTheOutputStaysAlive() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(HEADS, QUERIES, WIDTH));
            NDArray mask = m.randomNormal(new Shape(HEADS, QUERIES, KEYS));
            for (long limit : LIMITS) {
                int before = m.getManagedArrays().size();
                NDArray out = withLimit(limit, () -> Ops.attention(q, q.get(":, :" + KEYS), q.get(":, :" + KEYS), SCALE,
                        mask));
                assertArrayEquals(new long[] {HEADS, QUERIES, WIDTH}, out.getShape().getShape());
                assertEquals(before + 3, m.getManagedArrays().size(), "limit " + limit
                        + ": only the output (and the two key/value views made here) may remain");
                out.close();
            }
        }
    }

    private static NDArray textbook(NDArray q, NDArray k, NDArray v, NDArray mask) {
        NDArray scores = q.matMul(k.transpose(0, 2, 1)).mul(SCALE);
        if (mask != null) scores = scores.add(mask);
        return scores.softmax(-1).matMul(v);
    }

    private static NDArray withLimit(long limit, java.util.function.Supplier<NDArray> body) {
        long saved = Ops.attentionChunkElements();
        Ops.setAttentionChunkElements(limit);
        try {
            return body.get();
        } finally {
            Ops.setAttentionChunkElements(saved);
        }
    }
}
