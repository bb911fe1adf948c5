package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.io.FileSaver;
import ij.measure.Calibration;
import ij.process.ColorProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.pipeline.GenerationMetadata;
import org.sdij.pipeline.RgbImage;

import java.awt.Rectangle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generated images to a new ImagePlus: pixels, labels, metadata that survives a TIFF file, calibration. */
class ImageOutputTest {

    static {
        ImageJHarness.init();
    }

    private static final String MACRO = "run(\"Text to Image...\", \"prompt=[a cat] seed=42\");";

    @Test
    void anRgbStackHoldsTheRoundedValuesOneSlicePerImage() {
        List<RgbImage> images = List.of(ramp(5, 3, 0f), ramp(5, 3, 0.25f));
        ImagePlus imp = ImageOutput.create("out", images, metadata(2), ImageOutput.Options.rgb(MACRO));
        assertEquals(ImagePlus.COLOR_RGB, imp.getType());
        assertEquals(2, imp.getStackSize());
        for (int k = 0; k < 2; k++) {
            int[] pixels = (int[]) imp.getStack().getPixels(k + 1);
            float[][] planes = images.get(k).planes();
            for (int i = 0; i < pixels.length; i++) {
                assertEquals(RgbImage.toByte(planes[0][i]), pixels[i] >> 16 & 0xff);
                assertEquals(RgbImage.toByte(planes[1][i]), pixels[i] >> 8 & 0xff);
                assertEquals(RgbImage.toByte(planes[2][i]), pixels[i] & 0xff);
            }
        }
        assertEquals("seed 42", imp.getStack().getSliceLabel(1));
        assertEquals("seed 42 #1", imp.getStack().getSliceLabel(2));
    }

    @Test
    void halfwayValuesRoundToEvenAsAPngHoldsThem() {
        RgbImage im = RgbImage.blank(3, 1);
        im.planes()[0][0] = 0.5f;       // 127.5 -> 128
        im.planes()[0][1] = 1.5f / 255f; // 1.5 -> 2
        im.planes()[0][2] = -0.2f;      // clipped
        ImagePlus imp = ImageOutput.create("out", List.of(im), metadata(1), ImageOutput.Options.rgb(null));
        ColorProcessor cp = (ColorProcessor) imp.getProcessor();
        assertEquals(128, cp.getColor(0, 0).getRed());
        assertEquals(RgbImage.toByte(1.5f / 255f), cp.getColor(1, 0).getRed());
        assertEquals(0, cp.getColor(2, 0).getRed());
    }

    @Test
    void aFloatCompositeKeepsTheExactValuesInATiffFile(@TempDir Path dir) {
        List<RgbImage> images = List.of(ramp(4, 4, 0.1f), ramp(4, 4, 0.7f));
        var options = new ImageOutput.Options(true, MACRO, null, null, 1);
        ImagePlus imp = ImageOutput.create("float", images, metadata(2), options);
        assertTrue(imp.isComposite());
        assertEquals(32, imp.getBitDepth());
        assertEquals(3, imp.getNChannels());
        assertEquals(2, imp.getNSlices());
        for (int k = 0; k < 2; k++) {
            for (int c = 0; c < 3; c++) {
                float[] pixels = (float[]) imp.getStack().getPixels(imp.getStackIndex(c + 1, k + 1, 1));
                assertArrayEquals(images.get(k).planes()[c], pixels);
                assertNotSame(images.get(k).planes()[c], pixels, "the output owns its pixels");
            }
        }
        assertEquals(1.0, ((ij.CompositeImage) imp).getChannelLut(2).max);

        String path = dir.resolve("float.tif").toString();
        assertTrue(new FileSaver(imp).saveAsTiffStack(path));
        ImagePlus back = IJ.openImage(path);
        assertEquals(3, back.getNChannels());
        assertEquals(2, back.getNSlices());
        assertArrayEquals(images.get(1).planes()[2], (float[]) back.getStack().getPixels(back.getStackIndex(3, 2, 1)));
        assertEquals("seed 42 #1", back.getStack().getSliceLabel(back.getStackIndex(1, 2, 1)));
    }

    @Test
    void metadataGoesIntoInfoAndPropertiesAndSurvivesATiffFile(@TempDir Path dir) {
        ImagePlus imp = ImageOutput.create("meta", List.of(ramp(6, 4, 0f), ramp(6, 4, 0.5f)), metadata(2),
                ImageOutput.Options.rgb(MACRO));
        String info = (String) imp.getProperty("Info");
        assertTrue(info.contains(metadata(2).get(1).toParameters()), info);
        assertTrue(info.contains("Macro: " + MACRO), info);
        assertEquals("a cat, watercolor", imp.getProp("sdij.prompt"));
        assertEquals("42,42", imp.getProp(ImageOutput.SEEDS));
        assertEquals(MACRO, imp.getProp(ImageOutput.MACRO));
        assertEquals("min=0 max=255 bit_depth=8", imp.getProp("sdij.intensity_mapping"));
        assertEquals(HASH, imp.getProp("sdij.model_hash"));
        assertTrue(info.contains("Model: tiny-sd, Model hash: ba7816bf8f, Model kind: sd1"), info);

        String path = dir.resolve("meta.tif").toString();
        assertTrue(new FileSaver(imp).saveAsTiffStack(path));
        ImagePlus back = IJ.openImage(path);
        assertNotNull(back);
        assertEquals(info, back.getProperty("Info"));
        for (String key : new String[] {"sdij.prompt", "sdij.seed", "sdij.model", "sdij.model_hash", ImageOutput.SEEDS, ImageOutput.MACRO}) {
            assertEquals(imp.getProp(key), back.getProp(key), key);
        }
        assertEquals("seed 42 #1", back.getStack().getSliceLabel(2));
        assertArrayEquals((int[]) imp.getStack().getPixels(2), (int[]) back.getStack().getPixels(2));
    }

    @Test
    void calibrationFollowsTheCropAndTheScale() {
        Calibration in = new Calibration();
        in.pixelWidth = 0.5;
        in.pixelHeight = 0.25;
        in.pixelDepth = 2;
        in.setUnit("um");
        in.xOrigin = 100;
        in.yOrigin = 40;
        var options = ImageOutput.Options.rgb(null).from(in, new Rectangle(10, 20, 8, 8), 4);
        ImagePlus imp = ImageOutput.create("up", List.of(ramp(32, 32, 0f)), metadata(1), options);
        Calibration out = imp.getCalibration();
        assertEquals(0.125, out.pixelWidth);
        assertEquals(0.0625, out.pixelHeight);
        assertEquals(2, out.pixelDepth);
        assertEquals(in.getUnit(), out.getUnit());
        assertEquals((100 - 10) * 4, out.xOrigin);
        assertEquals((40 - 20) * 4, out.yOrigin);
        assertEquals(0.5, in.pixelWidth, "the input's calibration is not touched");
        // a point keeps its physical position: input pixel 14 is output pixel (14 - 10) * 4
        assertEquals(in.getX(14), out.getX((14 - 10) * 4), 1e-12);
    }

    @Test
    void anUncalibratedInputGivesAnUncalibratedOutput() {
        Calibration in = new Calibration(); // 1 pixel per pixel, unit "pixel"
        var options = ImageOutput.Options.rgb(null).from(in, new Rectangle(2, 3, 8, 8), 4);
        ImagePlus imp = ImageOutput.create("up", List.of(ramp(32, 32, 0f)), metadata(1), options);
        Calibration out = imp.getCalibration();
        assertFalse(out.scaled(), "pixel size " + out.pixelWidth + " " + out.getUnits());
        assertEquals(1.0, out.pixelWidth);
        assertEquals(1.0, out.pixelHeight);
    }

    @Test
    void mismatchedInputsAreErrors() {
        assertThrows(IllegalArgumentException.class,
                () -> ImageOutput.create("x", List.of(ramp(2, 2, 0)), metadata(2), ImageOutput.Options.rgb(null)));
        assertThrows(IllegalArgumentException.class,
                () -> ImageOutput.create("x", List.of(ramp(2, 2, 0), ramp(3, 2, 0)), metadata(2), ImageOutput.Options.rgb(null)));
    }

    /** Values from offset up, different per plane. */
    private static RgbImage ramp(int w, int h, float offset) {
        RgbImage im = RgbImage.blank(w, h);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < w * h; i++) im.planes()[c][i] = (offset + (i + c * 7) / (float) (w * h + 14)) % 1f;
        }
        return im;
    }

    /** SHA-256 of "abc". */
    private static final String HASH = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private static List<GenerationMetadata> metadata(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> new GenerationMetadata("txt2img", "tiny-sd",
                "sd1", HASH, "a cat, watercolor", "blurry", 42, i, 20, "euler", 7.5, null, null, 64, 64,
                GenerationMetadata.VERSION, Map.of("intensity_mapping", "min=0 max=255 bit_depth=8"))).toList();
    }
}
