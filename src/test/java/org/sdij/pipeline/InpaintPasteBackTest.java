package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Paste-back: unmasked pixels come back bit-identical; the feather is a linear ramp inside the mask. */
class InpaintPasteBackTest {
    private static final int W = 40;
    private static final int H = 30;

    private static RgbImage random(long seed, boolean eightBit) {
        Random random = new Random(seed);
        RgbImage image = RgbImage.blank(W, H);
        for (float[] plane : image.planes()) {
            for (int i = 0; i < plane.length; i++) {
                plane[i] = eightBit ? random.nextInt(256) / 255f : random.nextFloat() * 1.3f - 0.1f;
            }
        }
        return image;
    }

    /** A disc of radius 9 around (20, 14) and a strip along the left border. */
    private static float[] mask() {
        float[] mask = new float[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                boolean disc = (x - 20) * (x - 20) + (y - 14) * (y - 14) <= 81;
                mask[y * W + x] = disc || x < 3 ? 1f : 0f;
            }
        }
        return mask;
    }

    @Test
    void unmaskedPixelsAreBitIdenticalAndMaskedOnesAreTheResult() {
        for (float feather : new float[] {0f, 1f, 4f, 25f}) {
            for (boolean eightBit : new boolean[] {false, true}) {
                RgbImage original = random(1, eightBit);
                RgbImage result = random(2, eightBit);
                float[] mask = mask();
                float[] alpha = InpaintMasks.featherAlpha(mask, H, W, feather);
                RgbImage out = InpaintMasks.composite(result, original, mask, feather);
                for (int c = 0; c < 3; c++) {
                    for (int i = 0; i < W * H; i++) {
                        float o = original.planes()[c][i];
                        float got = out.planes()[c][i];
                        if (mask[i] == 0f) {
                            assertEquals(Float.floatToRawIntBits(o), Float.floatToRawIntBits(got), "kept pixel " + i);
                            if (eightBit) assertEquals(Math.round(o * 255), RgbImage.toByte(got), "8-bit kept " + i);
                        } else if (alpha[i] == 1f) {
                            assertEquals(result.planes()[c][i], got, 0f, "repainted pixel " + i);
                        } else {
                            float r = result.planes()[c][i];
                            assertTrue(got >= Math.min(o, r) - 1e-6f && got <= Math.max(o, r) + 1e-6f, "blend " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void eightBitValuesSurviveTheFloatRoundTrip() {
        for (int b = 0; b < 256; b++) assertEquals(b, RgbImage.toByte(b / 255f), "byte " + b);
    }

    @Test
    void featherIsALinearRampOfTheDistanceToTheNearestKeptPixel() {
        float[] mask = mask();
        float feather = 4f;
        float[] alpha = InpaintMasks.featherAlpha(mask, H, W, feather);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int i = y * W + x;
                double nearest = Double.POSITIVE_INFINITY;
                for (int v = 0; v < H; v++) {
                    for (int u = 0; u < W; u++) {
                        if (mask[v * W + u] == 0f) nearest = Math.min(nearest, Math.hypot(u - x, v - y));
                    }
                }
                float want = mask[i] == 0f ? 0f : (float) Math.min(1.0, nearest / feather);
                assertEquals(want, alpha[i], 1e-6f, "alpha at " + x + "," + y);
            }
        }
        assertEquals(0.25f, alpha[14 * W + 29], 1e-6f, "the disc's first ring");
        assertEquals(1f, alpha[14 * W + 20], 0f, "the disc's centre");
        assertEquals(0.75f, alpha[0], 0f, "the image border is no edge: 3 from the strip's inner edge only");
    }

    @Test
    void allWhiteAndEmptyMasks() {
        RgbImage original = random(3, false);
        RgbImage result = random(4, false);
        float[] white = new float[W * H];
        java.util.Arrays.fill(white, 1f);
        RgbImage whole = InpaintMasks.composite(result, original, white, 8f);
        for (int c = 0; c < 3; c++) assertArrayEquals(result.planes()[c], whole.planes()[c]);
        RgbImage none = InpaintMasks.composite(result, original, new float[W * H], 8f);
        for (int c = 0; c < 3; c++) assertArrayEquals(original.planes()[c], none.planes()[c]);
    }

    @Test
    void sizesMustMatch() {
        RgbImage original = random(5, false);
        assertThrows(IllegalArgumentException.class,
                () -> InpaintMasks.composite(original, original, new float[W * H - 1], 0f));
        assertThrows(IllegalArgumentException.class,
                () -> InpaintMasks.composite(RgbImage.blank(W, H + 1), original, new float[W * H], 0f));
    }
}
