package org.sdij.nn.dpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * torch's {@code interpolate(mode="bilinear", align_corners=True)} on NCHW, as the DPT fusion stages and head
 * upsample: source position dst * (in - 1) / (out - 1), float32 weights, one axis after the other (torch's
 * h0 * (w0 x00 + w1 x01) + h1 * (w0 x10 + w1 x11) in the same order).
 */
final class Bilinear {
    private Bilinear() {}

    static NDArray alignCorners(NDArray x, long height, long width) {
        Shape s = x.getShape();
        NDArray rows = along(x, 3, s.get(3), width);
        NDArray out = along(rows, 2, s.get(2), height);
        rows.close();
        return out;
    }

    private static NDArray along(NDArray x, int axis, long in, long out) {
        float scale = out > 1 ? (float) (in - 1) / (out - 1) : 0f;
        long[] first = new long[(int) out];
        long[] second = new long[(int) out];
        float[] w0 = new float[(int) out];
        float[] w1 = new float[(int) out];
        for (int o = 0; o < out; o++) {
            float src = scale * o;
            long i0 = (long) src;
            float lambda = src - i0;
            first[o] = i0;
            second[o] = i0 + (i0 < in - 1 ? 1 : 0);
            w1[o] = lambda;
            w0[o] = 1f - lambda;
        }
        NDManager m = x.getManager();
        String at = axis == 3 ? ":, :, :, {}" : ":, :, {}";
        Shape weightShape = axis == 3 ? new Shape(1, 1, 1, out) : new Shape(1, 1, out, 1);
        NDArray a = x.get(new NDIndex(at, m.create(first)));
        NDArray b = x.get(new NDIndex(at, m.create(second)));
        NDArray result = a.muli(m.create(w0, weightShape).toType(x.getDataType(), false))
                .addi(b.muli(m.create(w1, weightShape).toType(x.getDataType(), false)));
        b.close();
        return result;
    }
}
