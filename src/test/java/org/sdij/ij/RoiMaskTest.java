package org.sdij.ij;

import ij.ImagePlus;
import ij.gui.OvalRoi;
import ij.gui.PolygonRoi;
import ij.gui.Roi;
import ij.gui.ShapeRoi;
import org.junit.jupiter.api.Test;

import java.awt.Rectangle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Selection shapes as masks: the masked pixel count equals ImageJ's own measurement of the selection. */
class RoiMaskTest {

    static {
        ImageJHarness.init();
    }

    private static final int W = 40;
    private static final int H = 30;

    @Test
    void aRectangleCoversItsBoundsInsideTheRegion() {
        Roi roi = new Roi(5, 6, 10, 4);
        Rectangle region = new Rectangle(0, 0, W, H);
        float[] mask = RoiMask.of(roi, region);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                boolean inside = x >= 5 && x < 15 && y >= 6 && y < 10;
                assertEquals(inside ? 1f : 0f, mask[y * W + x], x + "," + y);
            }
        }
    }

    @Test
    void polygonOvalAndFreehandCoverWhatImageJMeasures() {
        Roi[] shapes = {
            new OvalRoi(3, 4, 20, 15),
            new PolygonRoi(new int[] {2, 30, 18}, new int[] {3, 8, 27}, 3, Roi.POLYGON),
            new PolygonRoi(new int[] {5, 9, 14, 20, 22, 16, 8}, new int[] {5, 3, 6, 4, 15, 20, 14}, 7, Roi.FREEROI),
        };
        for (Roi roi : shapes) {
            float[] mask = RoiMask.of(roi, new Rectangle(0, 0, W, H));
            assertEquals(pixelCount(roi), sum(mask), roi.getTypeAsString());
            Rectangle b = roi.getBounds();
            int cx = b.x + b.width / 2;
            int cy = b.y + b.height / 2;
            assertEquals(roi.contains(cx, cy) ? 1f : 0f, mask[cy * W + cx], "the middle of the bounds");
            assertEquals(0f, mask[(H - 1) * W + W - 1], "a far corner is outside");
        }
    }

    @Test
    void aCompositeSelectionKeepsItsHole() {
        ShapeRoi frame = new ShapeRoi(new Roi(4, 4, 20, 20)).not(new ShapeRoi(new Roi(10, 10, 6, 6)));
        float[] mask = RoiMask.of(frame, new Rectangle(0, 0, W, H));
        assertEquals(20 * 20 - 6 * 6, sum(mask));
        assertEquals(0f, mask[12 * W + 12], "the hole is not repainted");
        assertEquals(1f, mask[5 * W + 5]);
        assertEquals(pixelCount(frame), sum(mask));
    }

    @Test
    void aLargerRegionPlacesTheShapeAtItsOffset() {
        Roi roi = new OvalRoi(10, 10, 8, 8);
        Rectangle region = new Rectangle(7, 7, 14, 14);
        float[] inRegion = RoiMask.of(roi, region);
        float[] whole = RoiMask.of(roi, new Rectangle(0, 0, W, H));
        for (int y = 0; y < region.height; y++) {
            for (int x = 0; x < region.width; x++) {
                assertEquals(whole[(y + 7) * W + x + 7], inRegion[y * region.width + x]);
            }
        }
    }

    @Test
    void bytesAre255WhereTheModelRepaints() {
        float[] mask = RoiMask.of(new Roi(1, 1, 2, 2), new Rectangle(0, 0, 4, 4));
        byte[] bytes = (byte[]) RoiMask.asBytes(mask, 4, 4).getPixels();
        assertEquals(-1, bytes[5]);
        assertEquals(0, bytes[0]);
        assertEquals(4 * 255, sumBytes(bytes));
    }

    private static double pixelCount(Roi roi) {
        ImagePlus imp = SampleImages.gray(8, W, H, 1, (x, y, p) -> 1);
        imp.setRoi(roi);
        return imp.getStatistics().pixelCount;
    }

    private static double sum(float[] values) {
        double s = 0;
        for (float v : values) s += v;
        return s;
    }

    private static int sumBytes(byte[] values) {
        int s = 0;
        for (byte v : values) s += v & 0xff;
        return s;
    }
}
