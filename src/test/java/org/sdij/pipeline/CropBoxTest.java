package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Only-masked geometry: a padded box around the mask, snapped to multiples of 8, inside the image. */
class CropBoxTest {

    private static float[] rect(int width, int height, int x0, int x1, int y0, int y1) {
        float[] mask = new float[width * height];
        for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) mask[y * width + x] = 1f;
        return mask;
    }

    @Test
    void theReferenceMaskWithPadding() {
        // rows 16..47, cols 8..39 of a 64x64 image, as in the inpaint goldens
        assertEquals(new CropBox(4, 12, 40, 40), CropBox.around(rect(64, 64, 8, 40, 16, 48), 4, 8, 64, 64));
        assertEquals(new CropBox(8, 16, 32, 32), CropBox.around(rect(64, 64, 8, 40, 16, 48), 0, 8, 64, 64));
    }

    @Test
    void growsToTheMultipleAndStaysInside() {
        // 3 wide at the left border, padding 2: [0, 5) grows to 8 and is shifted back to start at 0
        assertEquals(new CropBox(0, 0, 8, 8), CropBox.around(rect(50, 20, 0, 3, 0, 1), 2, 8, 50, 20));
        // at the right and bottom borders
        assertEquals(new CropBox(42, 4, 8, 16), CropBox.around(rect(50, 20, 45, 50, 10, 20), 3, 8, 50, 20));
    }

    @Test
    void whenTheImageIsTooSmallForTheNextMultiple() {
        // 100 wide: [2, 98) padded to [0, 100) would need 104; 96 still holds the mask
        CropBox box = CropBox.around(rect(100, 16, 2, 98, 4, 8), 10, 8, 100, 16);
        assertEquals(2, box.x());
        assertEquals(96, box.width());
        // [1, 99) does not fit in 96: the whole width, not a multiple of 8
        box = CropBox.around(rect(100, 16, 1, 99, 4, 8), 0, 8, 100, 16);
        assertEquals(0, box.x());
        assertEquals(100, box.width());
        // an image narrower than the multiple
        assertEquals(new CropBox(0, 0, 5, 8), CropBox.around(rect(5, 20, 1, 2, 1, 2), 0, 8, 5, 20));
    }

    @Test
    void randomMasksAreAlwaysHeldInsideTheImage() {
        Random random = new Random(7);
        for (int trial = 0; trial < 2000; trial++) {
            int width = 1 + random.nextInt(90);
            int height = 1 + random.nextInt(90);
            int x0 = random.nextInt(width);
            int y0 = random.nextInt(height);
            int x1 = x0 + 1 + random.nextInt(width - x0);
            int y1 = y0 + 1 + random.nextInt(height - y0);
            int padding = random.nextInt(20);
            CropBox box = CropBox.around(rect(width, height, x0, x1, y0, y1), padding, 8, width, height);
            String what = box + " for [" + x0 + "," + x1 + ")x[" + y0 + "," + y1 + ") pad " + padding + " in "
                    + width + "x" + height;
            assertTrue(box.x() <= x0 && box.x() + box.width() >= x1, what);
            assertTrue(box.y() <= y0 && box.y() + box.height() >= y1, what);
            assertTrue(box.x() + box.width() <= width && box.y() + box.height() <= height, what);
            assertTrue(box.width() % 8 == 0 || box.width() == width, what);
            assertTrue(box.height() % 8 == 0 || box.height() == height, what);
            if (Math.min(width, x1 + padding) - Math.max(0, x0 - padding) <= width / 8 * 8) {
                boolean padded = box.x() <= Math.max(0, x0 - padding)
                        && box.x() + box.width() >= Math.min(width, x1 + padding);
                assertTrue(padded, "padding kept where the image allows: " + what);
            }
        }
    }

    @Test
    void emptyMaskAndBadArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CropBox.around(new float[64], 4, 8, 8, 8));
        assertThrows(IllegalArgumentException.class, () -> CropBox.around(new float[63], 4, 8, 8, 8));
        assertThrows(IllegalArgumentException.class, () -> CropBox.around(rect(8, 8, 1, 2, 1, 2), -1, 8, 8, 8));
    }

    @Test
    void cropAndPasteBack() {
        RgbImage image = RgbImage.blank(10, 6);
        for (int c = 0; c < 3; c++) for (int i = 0; i < 60; i++) image.planes()[c][i] = c * 100 + i;
        CropBox box = new CropBox(3, 2, 4, 3);
        RgbImage piece = box.crop(image);
        assertEquals(4, piece.width());
        assertEquals(3, piece.height());
        assertEquals(image.get(1, 3, 2), piece.get(1, 0, 0), 0f);
        assertEquals(image.get(2, 6, 4), piece.get(2, 3, 2), 0f);
        RgbImage same = box.pasteInto(image, piece);
        for (int c = 0; c < 3; c++) assertArrayEquals(image.planes()[c], same.planes()[c]);
        RgbImage zeroed = box.pasteInto(image, RgbImage.blank(4, 3));
        assertEquals(0f, zeroed.get(0, 5, 3), 0f);
        assertEquals(image.get(0, 7, 3), zeroed.get(0, 7, 3), 0f);
    }
}
