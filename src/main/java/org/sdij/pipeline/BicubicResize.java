package org.sdij.pipeline;

/**
 * torch.nn.functional.interpolate(x, size, mode="bicubic", align_corners=False) (no antialias) on float32
 * [N, C, H, W], bit for bit as torch 1.13's CPU kernel computes it on an AVX2 machine: the build that made
 * the pipeline goldens (DJL's interpolation always antialiases, so it cannot stand in).
 *
 * <p>What that kernel does, measured against it (see make_torch_resize.py beside the test):
 * <ul>
 *   <li>cubic convolution with A = -0.75 on the four taps floor(src) - 1 .. floor(src) + 2, each index
 *       clamped into the image (border pixels repeat; weights are not renormalised);</li>
 *   <li>src = scale * (o + 0.5) - 0.5 with a float32 scale = in / out but the product in double; the tap is
 *       found by flooring src rounded to float, while the fraction t = src - floor stays double until it
 *       is rounded to float for the weights;</li>
 *   <li>the weight polynomials and the sums are fused multiply-adds where GCC contracted them
 *       ({@link Math#fma} here), the sum over the four rows taken last.</li>
 * </ul>
 * Other builds of torch (no FMA, other versions) differ from this by a few float32 ulps.
 */
public final class BicubicResize {
    private BicubicResize() {}

    /** Source indices (already clamped) and weights of the four taps of every output position on one axis. */
    private record Taps(int[] index, float[] weight) {}

    /** Resizes each of the n * c planes of {@code input} from h x w to outH x outW; row-major in and out. */
    public static float[] resize(float[] input, int n, int c, int h, int w, int outH, int outW) {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("bicubic resize of [" + n + ", " + c + ", " + h + ", " + w
                    + "] to " + outH + "x" + outW + ": every size must be positive");
        }
        long planes = (long) n * c;
        if (input.length != planes * h * w) {
            throw new IllegalArgumentException("bicubic resize: " + input.length + " values for [" + n + ", " + c
                    + ", " + h + ", " + w + "]");
        }
        if (planes * outH * outW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bicubic resize to " + outH + "x" + outW + " is too large");
        }
        Taps rows = taps(h, outH);
        Taps cols = taps(w, outW);
        float[] out = new float[(int) (planes * outH * outW)];
        float[] rowSums = new float[4];
        for (int p = 0; p < planes; p++) {
            int inBase = p * h * w;
            int outBase = p * outH * outW;
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    int[] col = cols.index;
                    int tap = 4 * ox;
                    for (int j = 0; j < 4; j++) {
                        int row = inBase + rows.index[4 * oy + j] * w;
                        rowSums[j] = dot4(input[row + col[tap]], input[row + col[tap + 1]],
                                input[row + col[tap + 2]], input[row + col[tap + 3]], cols.weight, tap);
                    }
                    out[outBase + oy * outW + ox] = dot4(rowSums[0], rowSums[1], rowSums[2], rowSums[3],
                            rows.weight, 4 * oy);
                }
            }
        }
        return out;
    }

    /** v . w[at .. at+3] in the order and with the fusing of torch's AVX2 kernel. */
    private static float dot4(float v0, float v1, float v2, float v3, float[] w, int at) {
        float sum = Math.fma(v0, w[at], v1 * w[at + 1]);
        sum = Math.fma(v2, w[at + 2], sum);
        return Math.fma(v3, w[at + 3], sum);
    }

    private static Taps taps(int inSize, int outSize) {
        float scale = (float) inSize / outSize;
        int[] index = new int[4 * outSize];
        float[] weight = new float[4 * outSize];
        for (int o = 0; o < outSize; o++) {
            double src = (double) scale * (o + 0.5) - 0.5;
            long floor = (long) Math.floor((float) src);
            float t = (float) (src - floor);
            float x2 = 1f - t;
            weight[4 * o] = farTap(t + 1f);
            weight[4 * o + 1] = nearTap(t);
            weight[4 * o + 2] = nearTap(x2);
            weight[4 * o + 3] = farTap(x2 + 1f);
            for (int j = 0; j < 4; j++) {
                index[4 * o + j] = (int) Math.max(0, Math.min(floor + j - 1, inSize - 1));
            }
        }
        return new Taps(index, weight);
    }

    /** Cubic convolution weight for a tap at distance x in [0, 1]: ((A + 2) x - (A + 3)) x x + 1. */
    private static float nearTap(float x) {
        float p = Math.fma(1.25f, x, -2.25f);
        float q = p * x;
        return q * x + 1f;
    }

    /** Cubic convolution weight for a tap at distance x in [1, 2]: ((A x - 5 A) x + 8 A) x - 4 A. */
    private static float farTap(float x) {
        float p = Math.fma(-0.75f, x, 3.75f);
        float q = Math.fma(p, x, -6f);
        return q * x + 3f;
    }
}
