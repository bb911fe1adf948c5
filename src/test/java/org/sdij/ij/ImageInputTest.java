package org.sdij.ij;

import org.junit.jupiter.api.Test;

import java.awt.Rectangle;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ImagePlus (+ selection) to RgbImage for every image type; the input is compared before and after. */
class ImageInputTest {

    static {
        ImageJHarness.init();
    }

    @Test
    void eightBitIsValueOver255AsNumpyDividesIt() {
        var imp = SampleImages.gray(8, 16, 16, 1, (x, y, p) -> y * 16 + x);
        var before = SampleImages.snapshot(imp);
        var c = convertWhole(imp, "").get(0);
        for (int v = 0; v < 256; v++) {
            float expected = v / 255f;
            assertEquals(expected, c.image().planes()[0][v], 0f, "value " + v);
            assertEquals(expected, c.image().planes()[2][v], 0f, "gray fills all three planes");
        }
        assertEquals(List.of(new IntensityMapping(0, 255, 8)), c.mappings());
        assertTrue(SampleImages.samePixels(before, imp));
    }

    @Test
    void sixteenBitGoesThroughTheDisplayRangeAndTheMappingInverts() {
        var imp = SampleImages.gray(16, 40, 30, 1, (x, y, p) -> 100 * x + y);
        imp.setDisplayRange(1000, 3000);
        var before = SampleImages.snapshot(imp);
        var c = convertWhole(imp, "").get(0);
        IntensityMapping m = c.mappings().get(0);
        assertEquals(new IntensityMapping(1000, 3000, 16), m);
        float[] r = c.image().planes()[0];
        assertEquals(0f, r[5], "below the range clips to 0");
        assertEquals(1f, r[35], "above the range clips to 1");
        assertEquals(0.5f, r[20], 0f, "2000 is the middle");
        for (int x = 10; x < 30; x++) {
            double value = 100 * x + 7;
            assertEquals(value, m.fromUnit(r[7 * 40 + x]), 1e-3, "inverse of " + value);
        }
        assertEquals(m, IntensityMapping.parse(m.describe()));
        assertEquals(1000, imp.getDisplayRangeMin());
        assertTrue(SampleImages.samePixels(before, imp));
    }

    @Test
    void thirtyTwoBitMapsNanAndAFlatRangeToZero() {
        var imp = SampleImages.gray(32, 4, 1, 1, (x, y, p) -> x == 0 ? Double.NaN : x - 2);
        imp.setDisplayRange(-1, 1);
        float[] r = convertWhole(imp, "").get(0).image().planes()[1];
        assertArrayEquals(new float[] {0f, 0f, 0.5f, 1f}, r);
        imp.setDisplayRange(3, 3);
        assertArrayEquals(new float[4], convertWhole(imp, "").get(0).image().planes()[0]);
    }

    @Test
    void rgbSplitsIntoItsThreeBytes() {
        var imp = SampleImages.rgb(8, 5, 1);
        var before = SampleImages.snapshot(imp);
        var c = convertWhole(imp, "").get(0);
        int[] pixels = (int[]) imp.getProcessor().getPixels();
        for (int i = 0; i < pixels.length; i++) {
            assertEquals(((pixels[i] >> 16) & 0xff) / 255f, c.image().planes()[0][i]);
            assertEquals(((pixels[i] >> 8) & 0xff) / 255f, c.image().planes()[1][i]);
            assertEquals((pixels[i] & 0xff) / 255f, c.image().planes()[2][i]);
        }
        assertEquals(0, c.channels().length);
        assertThrows(IllegalArgumentException.class, () -> ImageInput.channels(imp, "1"));
        assertTrue(SampleImages.samePixels(before, imp));
    }

    @Test
    void compositeChannelsAreChosenAndEachKeepsItsOwnRange() {
        var ci = SampleImages.composite(6, 4, 3, 1, 1);
        for (int c = 1; c <= 3; c++) {
            ci.setC(c);
            ci.setDisplayRange(1000 * c, 1000 * c + 10);
        }
        ci.setC(2);
        var before = SampleImages.snapshot(ci);
        var converted = convertWhole(ci, "3, 1").get(0);
        assertArrayEquals(new int[] {3, 1}, converted.channels());
        assertEquals(List.of(new IntensityMapping(3000, 3010, 16), new IntensityMapping(1000, 1010, 16)),
                converted.mappings());
        // at (2, 3) channel 3 holds 3000 + 5 + 200 (its plane's offset): above its range, so 1;
        // channel 1 holds 1000 + 5: the middle of 1000..1010
        assertEquals(1f, converted.image().get(0, 2, 3));
        assertEquals(0.5f, converted.image().get(1, 2, 3), 0f);
        assertEquals(0f, converted.image().get(2, 2, 3), "two channels leave blue black");
        assertTrue(SampleImages.samePixels(before, ci));
        assertEquals(2, ci.getC());
    }

    @Test
    void compositeDefaultIsTheShownChannels() {
        var ci = SampleImages.composite(4, 4, 4, 1, 1);
        ci.setActiveChannels("1011");
        assertArrayEquals(new int[] {1, 3, 4}, ImageInput.channels(ci, ""));
        ci.setActiveChannels("0000");
        ci.setC(2);
        assertArrayEquals(new int[] {2}, ImageInput.channels(ci, ""));
        ci.setMode(ij.CompositeImage.GRAYSCALE);
        ci.setC(4);
        assertArrayEquals(new int[] {4}, ImageInput.channels(ci, " "));
        assertThrows(IllegalArgumentException.class, () -> ImageInput.channels(ci, "1,2,3,4"));
        assertThrows(IllegalArgumentException.class, () -> ImageInput.channels(ci, "5"));
        assertThrows(IllegalArgumentException.class, () -> ImageInput.channels(ci, "red"));
    }

    @Test
    void aStackGivesTheCurrentSliceOrEverySlice() {
        var imp = SampleImages.gray(8, 3, 3, 4, (x, y, p) -> 10 * p);
        imp.setSlice(3);
        var current = convertWhole(imp, "");
        assertEquals(1, current.size());
        assertEquals(20 / 255f, current.get(0).image().get(0, 1, 1));
        var all = ImageInput.convert(imp, ImageInput.region(imp, null), new int[] {1}, true);
        assertEquals(4, all.size());
        for (int p = 0; p < 4; p++) {
            assertEquals(10 * p / 255f, all.get(p).image().get(0, 0, 0));
            assertEquals(p + 1, all.get(p).z() * all.get(p).t());
        }
        assertEquals(3, imp.getCurrentSlice());
    }

    @Test
    void aHyperstackGivesEverySliceAndFrameOfTheChosenChannels() {
        var ci = SampleImages.composite(2, 2, 2, 3, 2);
        int[] channels = {2};
        var all = ImageInput.convert(ci, ImageInput.region(ci, null), channels, true);
        assertEquals(6, all.size());
        int k = 0;
        for (int t = 1; t <= 2; t++) {
            for (int z = 1; z <= 3; z++) {
                var c = all.get(k++);
                assertEquals(z, c.z());
                assertEquals(t, c.t());
                int plane = ci.getStackIndex(2, z, t) - 1;
                assertEquals(ci.getChannelLut(2).min, c.mappings().get(0).min());
                double value = 2000 + 100 * plane;
                assertEquals(c.mappings().get(0).toUnit(value), c.image().get(0, 0, 0));
            }
        }
    }

    @Test
    void theSelectionsBoundingBoxIsCroppedAndClippedToTheImage() {
        var imp = SampleImages.gray(16, 20, 10, 1, (x, y, p) -> 100 * y + x);
        imp.setDisplayRange(0, 1000);
        imp.setRoi(new ij.gui.OvalRoi(15, 6, 10, 8));
        Rectangle region = ImageInput.region(imp, imp.getRoi());
        assertEquals(new Rectangle(15, 6, 5, 4), region);
        var c = ImageInput.convert(imp, region, new int[] {1}, false).get(0);
        assertEquals(5, c.image().width());
        assertEquals(4, c.image().height());
        assertEquals((100 * 7 + 16) / 1000f, c.image().get(0, 1, 1), 1e-7);
        assertEquals("15,6,5,4", c.metadata().get("input_region"));
        assertEquals("min=0 max=1000 bit_depth=16", c.metadata().get("intensity_mapping"));
        assertEquals("1", c.metadata().get("input_channels"));
        assertMessage("The selection lies outside the image", () -> ImageInput.region(imp, new ij.gui.Roi(30, 30, 4, 4)));
        assertMessage("Needs an area selection", () -> ImageInput.region(imp, new ij.gui.Line(0, 0, 5, 5)));
    }

    private static List<ImageInput.Converted> convertWhole(ij.ImagePlus imp, String channels) {
        return ImageInput.convert(imp, ImageInput.region(imp, null), ImageInput.channels(imp, channels), false);
    }

    private static void assertMessage(String start, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }
}
