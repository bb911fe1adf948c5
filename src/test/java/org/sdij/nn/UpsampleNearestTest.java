package org.sdij.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

class UpsampleNearestTest {

    @Test
    void doublingRepeatsEachPixel() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange(0, 6, 1, DataType.FLOAT32).reshape(1, 1, 2, 3);
            float[] out = Ops.upsampleNearest(x, 4, 6).toFloatArray();
            assertArrayEquals(new float[] {
                    0, 0, 1, 1, 2, 2,
                    0, 0, 1, 1, 2, 2,
                    3, 3, 4, 4, 5, 5,
                    3, 3, 4, 4, 5, 5}, out);
        }
    }

    @Test
    void otherSizesPickFloorOfScaledIndexAsTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            // rows 1 -> 2 (0, 0); columns 2 -> 3: floor(j * 2/3) = 0, 0, 1 (the UNet's 1x2 -> 2x3 step)
            NDArray x = m.create(new float[] {10, 20}).reshape(1, 1, 1, 2);
            assertArrayEquals(new float[] {10, 10, 20, 10, 10, 20}, Ops.upsampleNearest(x, 2, 3).toFloatArray());
            // 3 -> 5: floor(j * 0.6) = 0, 0, 1, 1, 2
            NDArray y = m.create(new float[] {1, 2, 3}).reshape(1, 1, 1, 3);
            assertArrayEquals(new float[] {1, 1, 2, 2, 3}, Ops.upsampleNearest(y, 1, 5).toFloatArray());
        }
    }
}
