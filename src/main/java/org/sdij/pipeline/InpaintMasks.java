package org.sdij.pipeline;

import java.util.Arrays;

/**
 * The inpainting mask as diffusers 0.27.2's StableDiffusionInpaintPipeline prepares it (its mask_processor:
 * grayscale, values / 255, binarised at 0.5; white = repaint), the masked image and the mask at latent size;
 * and paste-back: compositing the result over the original through the (optionally feathered) mask, so
 * pixels outside the mask come back bit-identical, which diffusers does not promise.
 *
 * <p>Masks here are one plane of height x width floats, row-major; binarised masks hold 0 (keep) or 1
 * (repaint). Sizes must match the image: diffusers would silently Lanczos-resize a mask of another size,
 * we leave that decision to the caller.
 */
public final class InpaintMasks {
    private InpaintMasks() {}

    /** The 8-bit gray PIL's convert("L") makes of an RGB pixel (ITU-R 601-2 luma, 16-bit fixed point). */
    public static int luminance(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    /** An 8-bit gray mask (0..255) binarised: value / 255 >= 0.5, i.e. 128 and up, is repainted. */
    public static float[] binarize8(int[] gray) {
        float[] values = new float[gray.length];
        for (int i = 0; i < gray.length; i++) {
            if (gray[i] < 0 || gray[i] > 255) throw new IllegalArgumentException("8-bit mask value " + gray[i]);
            values[i] = gray[i] / 255f;
        }
        return binarize(values);
    }

    /** A mask of values in [0, 1] binarised as diffusers does: below 0.5 is kept (0), the rest repainted (1). */
    public static float[] binarize(float[] values) {
        float[] mask = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            if (Float.isNaN(values[i])) throw new IllegalArgumentException("mask holds NaN at " + i);
            mask[i] = values[i] < 0.5f ? 0f : 1f;
        }
        return mask;
    }

    /** Whether no pixel is to be repainted (an inpainting run would change nothing: refuse it). */
    public static boolean isEmpty(float[] mask) {
        for (float v : mask) if (v >= 0.5f) return false;
        return true;
    }

    /**
     * diffusers' {@code masked_image = image * (mask < 0.5)}: the image, [channels, H, W] (normalised to
     * [-1, 1] as the VAE takes it), with the repainted pixels set to 0 (mid-gray).
     */
    public static float[] maskImage(float[] image, int channels, float[] mask) {
        if (image.length != (long) channels * mask.length) {
            throw new IllegalArgumentException("image of " + image.length + " values for " + channels
                    + " channels and a mask of " + mask.length);
        }
        float[] out = new float[image.length];
        for (int i = 0; i < image.length; i++) out[i] = image[i] * (mask[i % mask.length] < 0.5f ? 1f : 0f);
        return out;
    }

    /**
     * prepare_mask_latents' mask: the binarised mask resized to latent size by torch's default "nearest"
     * interpolation, repeated for the batch and doubled for classifier-free guidance:
     * [(guidance ? 2 : 1) * batchSize, 1, height / vaeScale, width / vaeScale].
     */
    public static float[] latentMask(float[] mask, int height, int width, int vaeScale, int batchSize,
                                     boolean guidance) {
        checkPlane(mask, height, width);
        if (vaeScale <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("VAE scale " + vaeScale + " and batch size " + batchSize);
        }
        int latentH = height / vaeScale;
        int latentW = width / vaeScale;
        if (latentH == 0 || latentW == 0) {
            throw new IllegalArgumentException("a " + width + "x" + height + " image is smaller than one latent pixel"
                    + " (" + vaeScale + "x" + vaeScale + ")");
        }
        float[] small = nearest(mask, 1, height, width, latentH, latentW);
        int rows = (guidance ? 2 : 1) * batchSize;
        float[] out = new float[rows * small.length];
        for (int r = 0; r < rows; r++) System.arraycopy(small, 0, out, r * small.length, small.length);
        return out;
    }

    /**
     * torch.nn.functional.interpolate(x, size, mode="nearest") on [planes, h, w]: output index o reads
     * floor(o * (float) (in / out)), clamped, except that equal sizes copy and doubling repeats (o >> 1).
     */
    public static float[] nearest(float[] input, int planes, int h, int w, int outH, int outW) {
        if (planes <= 0 || h <= 0 || w <= 0 || outH <= 0 || outW <= 0 || input.length != (long) planes * h * w) {
            throw new IllegalArgumentException("nearest resize of " + input.length + " values as [" + planes + ", "
                    + h + ", " + w + "] to " + outH + "x" + outW);
        }
        int[] rows = nearestIndices(h, outH);
        int[] cols = nearestIndices(w, outW);
        float[] out = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < outH; y++) {
                int from = p * h * w + rows[y] * w;
                int to = (p * outH + y) * outW;
                for (int x = 0; x < outW; x++) out[to + x] = input[from + cols[x]];
            }
        }
        return out;
    }

    private static int[] nearestIndices(int inSize, int outSize) {
        int[] index = new int[outSize];
        float scale = (float) inSize / outSize;
        for (int o = 0; o < outSize; o++) {
            if (outSize == inSize) index[o] = o;
            else if (outSize == 2 * inSize) index[o] = o >> 1;
            else index[o] = Math.min((int) Math.floor((float) o * scale), inSize - 1);
        }
        return index;
    }

    // ---- paste-back ----

    /**
     * The paste-back weight of the result: 0 outside the mask, inside it a linear ramp
     * min(1, d / featherPx) where d is the Euclidean distance (between pixel centres) to the nearest kept
     * pixel, so the first masked ring gets 1 / featherPx and pixels featherPx or more inside get 1. The image
     * border is not an edge (beyond it lies no original to blend with). featherPx <= 1 gives the hard mask.
     */
    public static float[] featherAlpha(float[] mask, int height, int width, float featherPx) {
        checkPlane(mask, height, width);
        float[] alpha = binarize(mask);
        if (!(featherPx > 1f) || isEmpty(alpha)) return alpha;
        double far = farther(height, width);
        double[] squared = squaredDistanceToKept(alpha, height, width, far);
        for (int i = 0; i < alpha.length; i++) {
            // with nothing kept (an all-white mask) every distance is "far": the result is taken whole
            if (alpha[i] != 0f && squared[i] < far) {
                alpha[i] = (float) Math.min(1.0, Math.sqrt(squared[i]) / featherPx);
            }
        }
        return alpha;
    }

    /**
     * The inpainted result pasted over the original through the feathered mask: where the weight is 0 the
     * original's values are copied unchanged (bit-identical), where it is 1 the result's, in between
     * original + alpha * (result - original).
     */
    public static RgbImage composite(RgbImage result, RgbImage original, float[] mask, float featherPx) {
        if (result.width() != original.width() || result.height() != original.height()) {
            throw new IllegalArgumentException("result " + result.width() + "x" + result.height() + " and original "
                    + original.width() + "x" + original.height() + " differ in size");
        }
        float[] alpha = featherAlpha(mask, original.height(), original.width(), featherPx);
        float[][] planes = new float[3][];
        for (int c = 0; c < 3; c++) planes[c] = composite(result.planes()[c], original.planes()[c], alpha);
        return new RgbImage(original.width(), original.height(), planes);
    }

    /** One plane of {@link #composite(RgbImage, RgbImage, float[], float)} with the weights given. */
    public static float[] composite(float[] result, float[] original, float[] alpha) {
        if (result.length != original.length || alpha.length != original.length) {
            throw new IllegalArgumentException("composite of planes of " + result.length + ", " + original.length
                    + " and " + alpha.length + " values");
        }
        float[] out = Arrays.copyOf(original, original.length);
        for (int i = 0; i < out.length; i++) {
            if (alpha[i] == 1f) out[i] = result[i];
            else if (alpha[i] != 0f) out[i] = original[i] + alpha[i] * (result[i] - original[i]);
        }
        return out;
    }

    /** More than any squared distance within the image; small enough that all the arithmetic stays exact. */
    private static double farther(int height, int width) {
        return (double) height * height + (double) width * width + 1;
    }

    /**
     * Exact squared Euclidean distance from every pixel to the nearest pixel with mask 0 (Felzenszwalb and
     * Huttenlocher's lower envelope of parabolas, along columns, then along rows); {@code far} where no
     * pixel is kept.
     */
    private static double[] squaredDistanceToKept(float[] mask, int height, int width, double far) {
        double[] d = new double[mask.length];
        for (int i = 0; i < d.length; i++) d[i] = mask[i] == 0f ? 0 : far;
        double[] line = new double[Math.max(height, width)];
        double[] out = new double[line.length];
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) line[y] = d[y * width + x];
            lowerEnvelope(line, height, out);
            for (int y = 0; y < height; y++) d[y * width + x] = out[y];
        }
        for (int y = 0; y < height; y++) {
            System.arraycopy(d, y * width, line, 0, width);
            lowerEnvelope(line, width, out);
            System.arraycopy(out, 0, d, y * width, width);
        }
        return d;
    }

    /** out[p] = min over q of (p - q)^2 + f[q], for p, q < n. */
    private static void lowerEnvelope(double[] f, int n, double[] out) {
        int[] vertex = new int[n];
        double[] boundary = new double[n + 1];
        int k = 0;
        boundary[0] = Double.NEGATIVE_INFINITY;
        boundary[1] = Double.POSITIVE_INFINITY;
        for (int q = 1; q < n; q++) {
            double s = intersection(f, q, vertex[k]);
            while (s <= boundary[k]) {
                k--;
                s = intersection(f, q, vertex[k]);
            }
            k++;
            vertex[k] = q;
            boundary[k] = s;
            boundary[k + 1] = Double.POSITIVE_INFINITY;
        }
        k = 0;
        for (int p = 0; p < n; p++) {
            while (boundary[k + 1] < p) k++;
            double dp = p - vertex[k];
            out[p] = dp * dp + f[vertex[k]];
        }
    }

    /** Where the parabolas rooted at q and r (q > r) cross. */
    private static double intersection(double[] f, int q, int r) {
        return ((f[q] + (double) q * q) - (f[r] + (double) r * r)) / (2.0 * (q - r));
    }

    private static void checkPlane(float[] mask, int height, int width) {
        if (height <= 0 || width <= 0 || mask.length != (long) height * width) {
            throw new IllegalArgumentException("mask of " + mask.length + " values for a " + width + "x" + height
                    + " image: it must have the image's size");
        }
    }
}
