package org.sdij.random;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

/**
 * TorchGenerator against the libtorch 2.x that DJL ships (the goldens come from torch 1.13), through its global
 * generator: {@code torch::manual_seed}, then a mixed run of draws of every kind and size, so that the state
 * torch carries between calls (the scalar path's cached sine, shared by float32 and float64) is exercised in
 * ways the fresh-generator goldens cannot.
 */
class TorchGeneratorLibtorchTest {

    private enum Kind { NORMAL, NORMAL_F64, UNIFORM }

    private record Draw(Kind kind, long... shape) {}

    private static final Draw[] RUN = {
        new Draw(Kind.NORMAL, 1, 4, 8, 8), new Draw(Kind.NORMAL, 3), new Draw(Kind.NORMAL, 5),
        new Draw(Kind.NORMAL, 17), new Draw(Kind.NORMAL, 1), new Draw(Kind.UNIFORM, 7), new Draw(Kind.NORMAL, 16),
        new Draw(Kind.NORMAL, 2), new Draw(Kind.NORMAL_F64, 3), new Draw(Kind.NORMAL_F64, 40), new Draw(Kind.NORMAL, 1),
        new Draw(Kind.NORMAL_F64, 1), new Draw(Kind.NORMAL, 1, 4, 96, 96), new Draw(Kind.UNIFORM, 20),
        new Draw(Kind.NORMAL, 15), new Draw(Kind.NORMAL, 1, 3, 31, 7), new Draw(Kind.NORMAL_F64, 2, 33),
    };

    @Test
    void mixedRunsMatchLibtorchBitForBit() {
        long[] seeds = {0, 1, 42, 1234, -1, (1L << 32) + 5, Long.MIN_VALUE, 0x5eed_0000_cafeL};
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (long seed : seeds) {
                JniUtils.setSeed(seed); // torch::manual_seed on the global CPU generator
                TorchGenerator ours = new TorchGenerator(seed);
                int step = 0;
                for (Draw draw : RUN) {
                    String what = "seed " + Long.toUnsignedString(seed) + " step " + step++ + " " + draw.kind()
                            + java.util.Arrays.toString(draw.shape());
                    try (NDManager scope = manager.newSubManager()) {
                        compare(what, draw, scope, ours);
                    }
                }
            }
        }
    }

    private static void compare(String what, Draw draw, NDManager scope, TorchGenerator ours) {
        Shape shape = new Shape(draw.shape());
        int mismatches = 0;
        switch (draw.kind()) {
            case NORMAL, UNIFORM -> {
                NDArray torch = draw.kind() == Kind.NORMAL
                        ? scope.randomNormal(0f, 1f, shape, DataType.FLOAT32)
                        : scope.randomUniform(0f, 1f, shape, DataType.FLOAT32);
                float[] expected = torch.toFloatArray();
                float[] actual = draw.kind() == Kind.NORMAL ? ours.randn(draw.shape()) : ours.rand(draw.shape());
                assertEquals(expected.length, actual.length, what);
                for (int i = 0; i < expected.length; i++) {
                    if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) mismatches++;
                }
            }
            case NORMAL_F64 -> {
                // through the C library's log/sin/cos: close, not always bit-exact (see TorchGeneratorTest)
                double[] expected = scope.randomNormal(0f, 1f, shape, DataType.FLOAT64).toDoubleArray();
                TorchGeneratorTest.assertFloat64Match(what, expected, ours.randnDouble(draw.shape()));
            }
        }
        assertEquals(0, mismatches, what + ": values differing from libtorch");
    }
}
