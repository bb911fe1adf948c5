package org.sdij.pipeline;

/**
 * Pillow's {@code Image.resize} of an 8-bit image with a convolution filter (BILINEAR, BICUBIC), bit for bit:
 * antialiased (the filter's support widens by the downscale factor), weights normalised per output pixel and
 * rounded to 22-bit fixed point, the horizontal pass first into a rounded 8-bit image, then the vertical pass; an
 * axis whose size does not change is not resampled. The DPT image processor resizes this way (its {@code resample}).
 */
public final class PillowResize {
    private PillowResize() {}

    private static final int PRECISION_BITS = 32 - 8 - 2;

    /** The filters of Pillow's {@code Image.Resampling} this supports, by their number there. */
    public enum Filter {
        BILINEAR(2, 1.0), BICUBIC(3, 2.0);

        final int code;
        final double support;

        Filter(int code, double support) {
            this.code = code;
            this.support = support;
        }

        double weight(double x) {
            x = Math.abs(x);
            return switch (this) {
                case BILINEAR -> x < 1 ? 1 - x : 0;
                case BICUBIC -> {
                    double a = -0.5;
                    if (x < 1) yield ((a + 2) * x - (a + 3)) * x * x + 1;
                    if (x < 2) yield (((x - 5) * x + 8) * x - 4) * a;
                    yield 0;
                }
            };
        }

        public static Filter of(int code) {
            for (Filter f : values()) if (f.code == code) return f;
            throw new IllegalArgumentException("resample " + code + " is not supported: use 2 (Pillow BILINEAR, as"
                    + " the DPT of SD 2 depth) or 3 (BICUBIC)");
        }
    }

    /** Per output position: first source index, tap count, fixed-point weights (ksize per position). */
    private record Coefficients(int[] first, int[] count, int[] weights, int ksize) {}

    /**
     * Resizes {@code channels} planes of 8-bit values (row-major, {@code planes[c][y * width + x]}) to
     * outWidth x outHeight.
     */
    public static int[][] resize(int[][] planes, int width, int height, int outWidth, int outHeight, Filter filter) {
        if (width <= 0 || height <= 0 || outWidth <= 0 || outHeight <= 0) {
            throw new IllegalArgumentException("resize of " + width + "x" + height + " to " + outWidth + "x"
                    + outHeight + ": sizes must be positive");
        }
        int[][] out = new int[planes.length][];
        boolean horizontal = outWidth != width;
        boolean vertical = outHeight != height;
        Coefficients cols = horizontal ? coefficients(width, outWidth, filter) : null;
        Coefficients rows = vertical ? coefficients(height, outHeight, filter) : null;
        for (int c = 0; c < planes.length; c++) {
            int[] plane = planes[c];
            if (horizontal) plane = pass(plane, width, height, outWidth, cols, true);
            if (vertical) plane = pass(plane, horizontal ? outWidth : width, height, outHeight, rows, false);
            out[c] = horizontal || vertical ? plane : plane.clone();
        }
        return out;
    }

    /** One axis: along rows ({@code alongX}) from width to size, or along columns from height to size. */
    private static int[] pass(int[] in, int width, int height, int size, Coefficients k, boolean alongX) {
        int outW = alongX ? size : width;
        int outH = alongX ? height : size;
        int[] out = new int[outW * outH];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int o = alongX ? x : y;
                int first = k.first[o];
                int base = o * k.ksize;
                int sum = 1 << (PRECISION_BITS - 1);
                for (int t = 0; t < k.count[o]; t++) {
                    int v = alongX ? in[y * width + first + t] : in[(first + t) * width + x];
                    sum += v * k.weights[base + t];
                }
                out[y * outW + x] = clip8(sum);
            }
        }
        return out;
    }

    private static int clip8(int value) {
        if (value >= (1 << PRECISION_BITS << 8)) return 255;
        if (value <= 0) return 0;
        return value >> PRECISION_BITS;
    }

    /** Pillow's precompute_coeffs and normalize_coeffs_8bpc for the box (0, inSize). */
    private static Coefficients coefficients(int inSize, int outSize, Filter filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * ksize];
        double[] w = new double[ksize];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            double inverse = 1.0 / filterScale;
            int min = Math.max(0, (int) (center - support + 0.5));
            int max = Math.min(inSize, (int) (center + support + 0.5)) - min;
            double total = 0;
            for (int t = 0; t < max; t++) {
                w[t] = filter.weight((t + min - center + 0.5) * inverse);
                total += w[t];
            }
            for (int t = 0; t < max; t++) {
                double v = total != 0 ? w[t] / total : w[t];
                weights[o * ksize + t] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
            }
            first[o] = min;
            count[o] = max;
        }
        return new Coefficients(first, count, weights, ksize);
    }
}
