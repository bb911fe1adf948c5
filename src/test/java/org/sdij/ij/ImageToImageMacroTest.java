package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.Calibration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image to Image... as macro strings on the tiny SD 1 model: diffusers' pixels for the seeded img2img
 * cases, the selection's bounding box, every image type through its display range, stacks as one batch,
 * the input untouched (pixel arrays compared), and the recorded line and Reproduce from Metadata.
 */
@Tag("golden")
class ImageToImageMacroTest {

    static {
        ImageJHarness.init();
    }

    private static final String SD1 = "model=[" + CommandFixtures.tinyModel("sd1") + "] prompt=[a cat] steps=4 seed=7";

    @AfterEach
    void closeImages() {
        CommandFixtures.closeAll();
    }

    private static String run(String options) {
        return "run(\"Image to Image...\", \"" + options + "\");";
    }

    /** Shows the image (so macros see it as the active one) and returns a copy of its pixels. */
    private static List<Object> show(ImagePlus imp) {
        imp.show();
        IJ.selectWindow(imp.getID());
        return SampleImages.snapshot(imp);
    }

    @TestFactory
    Stream<DynamicTest> pixelsEqualTheGoldenFromTheOpenedPng() throws Exception {
        return CommandFixtures.cases("img2img").stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> {
            ImagePlus init = IJ.openImage(c.resolve("init_image.png").toString());
            assertEquals(ImagePlus.COLOR_RGB, init.getType());
            List<Object> before = show(init);
            String options = CommandFixtures.caseOptions(c) + " strength="
                    + CommandFixtures.manifest(c).getAsJsonObject("call").get("strength").getAsString();
            float[] golden = CommandFixtures.goldenImages(c);

            MacroHarness.run(run(options + " output=32-bit"));
            ImagePlus floats = CommandFixtures.newResult(init);
            double worst = CommandFixtures.maxFloatStackError(floats, golden);
            IJ.selectWindow(init.getID());
            MacroHarness.run(run(options));
            ImagePlus rgb = CommandFixtures.newResult(init);
            assertEquals(CommandFixtures.batch(c), rgb.getStackSize(), "one slice per image");
            int flips = CommandFixtures.assertRgbStackMatches(golden, rgb, 1e-4);
            System.out.printf("  %s: 32-bit max abs error %.3g, RGB values one off at a rounding boundary: %d%n",
                    c.getFileName(), worst, flips);
            assertTrue(worst <= 1e-4, "max abs error " + worst);
            assertTrue(SampleImages.samePixels(before, init), "the input was changed");
            CommandFixtures.closeAll();
        }));
    }

    @Test
    void theSelectionsBoxIsTransformedTrimmedToMultiplesOf8WithCalibrationAndRecord() {
        ImagePlus imp = SampleImages.gray(16, 70, 50, 1, (x, y, p) -> 1000 + 20 * x + 15 * y);
        imp.setDisplayRange(1000, 3000);
        Calibration cal = imp.getCalibration();
        cal.pixelWidth = 0.5;
        cal.pixelHeight = 0.5;
        cal.setUnit("um");
        imp.setRoi(new Roi(5, 3, 41, 35));
        List<Object> before = show(imp);

        MacroHarness.run(run(SD1));
        ImagePlus out = CommandFixtures.newResult(imp);
        assertEquals(ImagePlus.COLOR_RGB, out.getType());
        assertEquals(40, out.getWidth(), "41 trimmed to a multiple of 8");
        assertEquals(32, out.getHeight());
        assertEquals("5,3,40,32", out.getProp("sdij.input_region"));
        assertEquals("min=1000 max=3000 bit_depth=16", out.getProp("sdij.intensity_mapping"));
        assertEquals("gray16", out.getProp("sdij.input_title"));
        assertEquals("0.8", out.getProp("sdij.strength"));
        assertEquals(0.5, out.getCalibration().pixelWidth);
        assertEquals(imp.getCalibration().getUnit(), out.getCalibration().getUnit());
        assertEquals(-5, out.getCalibration().xOrigin, "the output's origin is the input's, moved by the crop");
        String line = out.getProp("sdij.macro");
        assertTrue(line.startsWith("selectImage(\"gray16\"); makeRectangle(5, 3, 40, 32); run(\"Image to Image...\""), line);
        assertTrue(line.contains(" channels=1 "), "the channels are written out: " + line);

        assertTrue(SampleImages.samePixels(before, imp), "the input was changed");
        assertEquals(new java.awt.Rectangle(5, 3, 41, 35), imp.getRoi().getBounds(), "the selection was changed");
        assertEquals(1000, imp.getDisplayRangeMin());
    }

    @Test
    void grayOfEveryDepthGoesThroughItsDisplayRangeAndRgbThroughBytes() {
        // the same unit values from 8-bit, 16-bit (display range 1000..3550) and 32-bit (-1..1) images
        ImagePlus[] inputs = {
            SampleImages.gray(8, 24, 16, 1, (x, y, p) -> (x * 10 + y * 3) % 256),
            SampleImages.gray(16, 24, 16, 1, (x, y, p) -> 1000 + 10 * ((x * 10 + y * 3) % 256)),
            SampleImages.gray(32, 24, 16, 1, (x, y, p) -> -1 + 2 * ((x * 10 + y * 3) % 256) / 255.0),
        };
        inputs[1].setDisplayRange(1000, 3550);
        inputs[2].setDisplayRange(-1, 1);
        float[][] results = new float[3][];
        for (int k = 0; k < 3; k++) {
            List<Object> before = show(inputs[k]);
            MacroHarness.run(run(SD1 + " output=32-bit"));
            ImagePlus out = CommandFixtures.newResult(inputs[k]);
            assertEquals(24, out.getWidth());
            assertEquals(16, out.getHeight());
            results[k] = (float[]) out.getStack().getPixels(1);
            assertTrue(SampleImages.samePixels(before, inputs[k]), "input " + k + " was changed");
        }
        for (int k = 1; k < 3; k++) {
            double worst = 0;
            for (int i = 0; i < results[0].length; i++) worst = Math.max(worst, Math.abs(results[k][i] - results[0][i]));
            assertTrue(worst < 1e-4, "bit depth input " + k + " differs from 8-bit by " + worst);
        }

        ImagePlus rgb = SampleImages.rgb(24, 16, 1);
        List<Object> before = show(rgb);
        MacroHarness.run(run(SD1));
        assertEquals("min=0 max=255 bit_depth=8", CommandFixtures.newResult(rgb).getProp("sdij.intensity_mapping"));
        assertTrue(SampleImages.samePixels(before, rgb));
    }

    @Test
    void everySliceOfAStackIsOneBatchWithOneModelLoad() {
        ImagePlus stack = SampleImages.gray(8, 16, 16, 3, (x, y, p) -> (x * 16 + y * 5 + 80 * p) % 256);
        stack.setSlice(2);
        List<Object> before = show(stack);
        ModelCache.unload();
        int loads = ModelCache.loads();

        MacroHarness.run(run(SD1 + " slices=all num_images=2"));
        ImagePlus all = CommandFixtures.newResult(stack);
        assertEquals(1, ModelCache.loads() - loads, "one model load for the whole stack");
        assertEquals(6, all.getStackSize(), "3 slices x 2 images");
        assertEquals("seed 7 #2", all.getStack().getSliceLabel(4));
        assertTrue(all.getInfoProperty().contains("input_position: z=3 t=1"), all.getInfoProperty());
        assertTrue(SampleImages.samePixels(before, stack));
        assertEquals(2, stack.getCurrentSlice(), "the input's position was changed");

        IJ.selectWindow(stack.getID());
        MacroHarness.run(run(SD1 + " num_images=2"));
        ImagePlus current = CommandFixtures.newResult(stack);
        assertEquals(2, current.getStackSize());
        assertEquals("z=2 t=1", current.getProp("sdij.input_position"));
        assertArrayEquals((int[]) all.getStack().getPixels(3), (int[]) current.getStack().getPixels(1),
                "slice 2 alone equals slice 2 of the batch");
        assertNotEquals(java.util.Arrays.hashCode((int[]) all.getStack().getPixels(1)),
                java.util.Arrays.hashCode((int[]) all.getStack().getPixels(3)), "slices differ");
        assertEquals(loads + 1, ModelCache.loads(), "the model stayed loaded");
    }

    @Test
    void theRecordedLineAndReproduceFromMetadataUseTheRecordedRegionAndSlice() {
        ImagePlus stack = SampleImages.gray(8, 40, 24, 3, (x, y, p) -> (x * 7 + y * 11 + 50 * p) % 256);
        stack.setTitle("cells.tif");
        stack.setSlice(3);
        stack.setRoi(new Roi(8, 4, 16, 16));
        show(stack);
        MacroHarness.run(run(SD1 + " strength=0.5"));
        ImagePlus out = CommandFixtures.newResult(stack);
        assertEquals(16, out.getWidth());

        stack.deleteRoi();
        stack.setSlice(1);
        IJ.selectWindow(out.getID());
        MacroHarness.run("run(\"Reproduce from Metadata...\");");
        ImagePlus remade = CommandFixtures.newResult(out);
        assertArrayEquals((int[]) out.getProcessor().getPixels(), (int[]) remade.getProcessor().getPixels());

        stack.setSlice(1);
        MacroHarness.run(out.getProp("sdij.macro"));
        ImagePlus again = CommandFixtures.newResult(remade);
        assertArrayEquals((int[]) out.getProcessor().getPixels(), (int[]) again.getProcessor().getPixels());
        assertEquals(3, stack.getCurrentSlice(), "the recorded line selects the slice it was made from");
    }
}
