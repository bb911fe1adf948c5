package org.sdij.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The ops under low-memory weights: float16 weights widened per use give exactly what float32 copies of them
 * give and leave nothing behind; convolutions in bands and group norms in chunks equal the whole ones.
 */
class LowMemoryOpsTest {

    private static float maxDifference(NDArray a, NDArray b) {
        try (NDArray d = a.sub(b).abs()) {
            return d.max().getFloat();
        }
    }

    @Test
    void halfWeightsAreWidenedPerUseExactlyAndFreedAtOnce() {
        try (NDManager weights = NDManager.newBaseManager(); NDManager work = NDManager.newBaseManager()) {
            copies = work;
            NDArray linearW = weights.randomNormal(0f, 0.1f, new Shape(6, 5), DataType.FLOAT16);
            NDArray kernel = weights.randomNormal(0f, 0.1f, new Shape(4, 3, 3, 3), DataType.FLOAT16);
            NDArray gamma = weights.randomNormal(1f, 0.1f, new Shape(4), DataType.FLOAT16);
            NDArray beta = weights.randomNormal(0f, 0.1f, new Shape(4), DataType.FLOAT16);
            NDArray table = weights.randomNormal(0f, 0.1f, new Shape(10, 5), DataType.FLOAT16);
            int stored = weights.getManagedArrays().size();

            NDArray x = work.randomNormal(new Shape(2, 7, 5));
            NDArray image = work.randomNormal(new Shape(1, 3, 9, 9));
            NDArray ids = work.create(new long[] {3, 0, 9});
            NDArray bias = work.randomNormal(new Shape(6));
            assertEquals(0f, maxDifference(Ops.linear(x, linearW, bias), Ops.linear(x, wide(linearW), bias)));
            NDArray conv = Ops.conv2d(image, kernel, null, 1, 1);
            assertEquals(0f, maxDifference(conv, Ops.conv2d(image, wide(kernel), null, 1, 1)));
            assertEquals(0f, maxDifference(Ops.groupNorm(conv, 2, gamma, beta, 1e-5),
                    Ops.groupNorm(conv, 2, wide(gamma), wide(beta), 1e-5)));
            NDArray tokens = Ops.linear(x, wide(linearW), null).get(":, :, 0:4");
            assertEquals(0f, maxDifference(Ops.layerNorm(tokens, gamma, beta, 1e-5),
                    Ops.layerNorm(tokens, wide(gamma), wide(beta), 1e-5)));
            NDArray rows = Ops.embedding(ids, table, DataType.FLOAT32);
            assertEquals(DataType.FLOAT32, rows.getDataType());
            assertEquals(0f, maxDifference(rows, Ops.embedding(ids, wide(table), DataType.FLOAT32)));
            assertEquals(stored, weights.getManagedArrays().size(), "the ops left no widened copy, nor a view of one");
        }
    }

    /** Where the test's own float32 copies go, so that the weights' manager shows only what the ops left. */
    private NDManager copies;

    private NDArray wide(NDArray half) {
        NDArray copy = half.toType(DataType.FLOAT32, false);
        copy.attach(copies);
        return copy;
    }

    @Test
    void aConvolutionInBandsEqualsTheWholeOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            // kernel, stride, padding; heights that do and do not divide into the bands
            int[][] cases = {{3, 1, 1}, {3, 2, 0}, {3, 2, 1}, {1, 1, 0}, {5, 1, 2}};
            for (int[] c : cases) {
                for (int height : new int[] {17, 24}) {
                    NDArray x = m.randomNormal(new Shape(2, 3, height, 11));
                    NDArray w = m.randomNormal(0f, 0.2f, new Shape(4, 3, c[0], c[0]), DataType.FLOAT32);
                    NDArray b = m.randomNormal(new Shape(4));
                    NDArray whole = Ops.conv2d(x, w, b, c[1], c[2]);
                    long piece = 2 * 3 * 11 * 2; // two input rows a band: many bands
                    NDArray banded = Ops.conv2dInBands(x, w, b, c[1], c[2], piece);
                    assertEquals(whole.getShape(), banded.getShape());
                    float diff = maxDifference(whole, banded);
                    System.out.printf("  conv k%d s%d p%d h%d in bands: max abs difference %.3g%n", c[0], c[1], c[2],
                            height, diff);
                    assertTrue(diff <= 1e-5f, "max abs difference " + diff);
                }
            }
        }
    }

    @Test
    void aHalfKernelInBandsIsWidenedOnce() {
        try (NDManager weights = NDManager.newBaseManager(); NDManager work = NDManager.newBaseManager()) {
            copies = work;
            NDArray kernel = weights.randomNormal(0f, 0.2f, new Shape(4, 3, 3, 3), DataType.FLOAT16);
            int stored = weights.getManagedArrays().size();
            NDArray x = work.randomNormal(new Shape(1, 3, 20, 8));
            NDArray banded = Ops.conv2dInBands(x, kernel, null, 1, 1, 3 * 8 * 3);
            assertTrue(maxDifference(banded, Ops.conv2d(x, wide(kernel), null, 1, 1)) <= 1e-5f);
            assertEquals(stored, weights.getManagedArrays().size(), "the widened kernel was freed");
        }
    }

    @Test
    void aGroupNormInChunksEqualsTheWholeOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int batch : new int[] {1, 2}) {
                NDArray x = m.randomNormal(new Shape(batch, 12, 7, 5));
                NDArray gamma = m.randomNormal(1f, 0.1f, new Shape(12), DataType.FLOAT32);
                NDArray beta = m.randomNormal(0f, 0.1f, new Shape(12), DataType.FLOAT32);
                NDArray whole = Ops.groupNormSilu(x, 6, gamma, beta, 1e-6);
                NDArray chunked = Ops.groupNormSiluInChunks(x, 6, gamma, beta, 1e-6, batch * 2 * 35);
                float diff = maxDifference(whole, chunked);
                System.out.printf("  group norm + SiLU in chunks, batch %d: max abs difference %.3g%n", batch, diff);
                assertTrue(diff <= 1e-6f, "batch " + batch + ": " + diff);
            }
        }
    }

    @Test
    void smallInputsAreComputedWhole() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(1, 4, 8, 8));
            NDArray w = m.randomNormal(new Shape(4, 4, 3, 3));
            NDArray gamma = m.ones(new Shape(4));
            NDArray beta = m.zeros(new Shape(4));
            assertTrue(Ops.conv2dInBands(x, w, null, 1, 1).contentEquals(Ops.conv2d(x, w, null, 1, 1)));
            assertTrue(Ops.groupNormSiluInChunks(x, 2, gamma, beta, 1e-6)
                    .contentEquals(Ops.groupNormSilu(x, 2, gamma, beta, 1e-6)));
        }
    }

    @Test
    void groupNormLeavesNoOtherHandleOnItsResult() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(1, 4, 6, 6));
            NDArray gamma = m.ones(new Shape(4));
            NDArray beta = m.zeros(new Shape(4));
            java.util.Set<NDArray> before = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            before.addAll(m.getManagedArrays());
            NDArray y = Ops.groupNorm(x, 2, gamma, beta, 1e-5);
            float[] xs = x.toFloatArray();
            for (NDArray a : m.getManagedArrays()) {
                if (before.contains(a) || a == y) continue;
                // what remains is a view of x, never a second handle on the normalised values, which would keep
                // them alive (as large as x) after y is closed
                assertTrue(java.util.Arrays.equals(xs, a.toFloatArray()), "a handle on other values: " + a.getShape());
            }
        }
    }
}
