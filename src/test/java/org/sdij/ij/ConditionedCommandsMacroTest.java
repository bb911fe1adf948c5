package org.sdij.ij;

import ai.djl.ndarray.NDManager;
import ij.IJ;
import ij.ImagePlus;
import ij.gui.OvalRoi;
import ij.gui.PolygonRoi;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.process.FloatProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.cli.ImageFiles;
import org.sdij.cli.Main;
import org.sdij.io.SafeTensorsFile;
import org.sdij.pipeline.RgbImage;

import javax.imageio.ImageIO;
import java.awt.Rectangle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inpaint Selection..., Depth to Image... and Upscale 4x... as macro strings on the tiny SD 2 inpainting,
 * depth and x4 models: diffusers' pixels for the seeded cases (inpainting without paste-back, depth),
 * the command line's pixels for the same settings (inpainting with an oval and paste-back, upscaling),
 * stacks as one batch, sizes, calibration, records, and the input untouched.
 */
@Tag("golden")
class ConditionedCommandsMacroTest {

    static {
        ImageJHarness.init();
    }

    @TempDir
    Path dir;

    @AfterEach
    void closeImages() {
        CommandFixtures.closeAll();
    }

    private static String run(String command, String options) {
        return "run(\"" + command + "\", \"" + options + "\");";
    }

    private static List<Object> show(ImagePlus imp) {
        imp.show();
        IJ.selectWindow(imp.getID());
        return SampleImages.snapshot(imp);
    }

    /** Max |a - b| of a 32-bit composite's slice (1-based) against R, G, B planes. */
    static double maxError(ImagePlus out, int slice, RgbImage want) {
        double worst = 0;
        for (int c = 0; c < 3; c++) {
            float[] plane = (float[]) out.getStack().getPixels(out.getStackIndex(c + 1, slice, 1));
            assertEquals(want.planes()[c].length, plane.length, "image size");
            for (int i = 0; i < plane.length; i++) worst = Math.max(worst, Math.abs(plane[i] - want.planes()[c][i]));
        }
        return worst;
    }

    /** The strength diffusers ran the case with (its call's, which for inpainting the spec leaves out). */
    private static String strength(Path c) throws Exception {
        return CommandFixtures.manifest(c).getAsJsonObject("call").get("strength").getAsString();
    }

    /** The white (0.5 and up) part of a mask image, which in the goldens is a rectangle. */
    private static Roi rectangleOf(ImagePlus mask) {
        Rectangle box = null;
        for (int y = 0; y < mask.getHeight(); y++) {
            for (int x = 0; x < mask.getWidth(); x++) {
                if (mask.getProcessor().getPixelValue(x, y) >= 127.5) {
                    Rectangle p = new Rectangle(x, y, 1, 1);
                    box = box == null ? p : box.union(p);
                }
            }
        }
        return new Roi(box);
    }

    @TestFactory
    Stream<DynamicTest> inpaintingARectangleSelectionGivesDiffusersPixels() throws Exception {
        return CommandFixtures.cases("inpaint").stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> {
            ImagePlus mask = IJ.openImage(c.resolve("mask.png").toString());
            Roi roi = rectangleOf(mask);
            float[] ours = RoiMask.of(roi, new Rectangle(0, 0, mask.getWidth(), mask.getHeight()));
            for (int i = 0; i < ours.length; i++) {
                float want = mask.getProcessor().getf(i) >= 127.5 ? 1f : 0f;
                assertEquals(want, ours[i], "the selection is the golden's mask at pixel " + i);
            }
            ImagePlus init = IJ.openImage(c.resolve("init_image.png").toString());
            init.setRoi(roi);
            List<Object> before = show(init);
            String strength = strength(c);
            MacroHarness.run(run("Inpaint Selection...", CommandFixtures.caseOptions(c) + " strength=" + strength
                    + " output=32-bit"));
            ImagePlus out = CommandFixtures.newResult(init);
            float[] golden = CommandFixtures.goldenImages(c);
            double worst = CommandFixtures.maxFloatStackError(out, golden);
            System.out.printf("  %s: 32-bit max abs error %.3g%n", c.getFileName(), worst);
            assertTrue(worst <= 1e-4, "max abs error " + worst);
            assertEquals(3 * CommandFixtures.batch(c), out.getStackSize(), "each image as R, G, B");
            assertEquals("inpaint", out.getProp("sdij.pipeline"));
            assertEquals(Double.toString(Double.parseDouble(strength)), out.getProp("sdij.strength"));
            assertTrue(out.getProp("sdij.macro").contains("makeRectangle(" + roi.getBounds().x + ", "), out.getProp("sdij.macro"));
            assertTrue(SampleImages.samePixels(before, init), "the input was changed");
            assertEquals(roi.getBounds(), init.getRoi().getBounds(), "the selection was changed");
            CommandFixtures.closeAll();
        }));
    }

    @Test
    void inpaintingAnOvalWithFeatherAndPasteBackEqualsTheCommandLine() throws Exception {
        Path c = CommandFixtures.aCase("inpaint");
        ImagePlus init = IJ.openImage(c.resolve("init_image.png").toString());
        int w = init.getWidth();
        int h = init.getHeight();
        Roi oval = new OvalRoi(w / 6, h / 4, w / 2 + 5, h / 2 - 3); // inside the picture, away from its corner
        Rectangle box = oval.getBounds();
        init.setRoi(oval);
        List<Object> before = show(init);
        String strength = strength(c);
        MacroHarness.run(run("Inpaint Selection...", CommandFixtures.caseOptions(c) + " strength=" + strength
                + " feather=3 paste_back output=32-bit"));
        ImagePlus out = CommandFixtures.newResult(init);
        assertEquals(w, out.getWidth());
        assertEquals(h, out.getHeight());
        assertTrue(out.getInfoProperty().contains("feather 3.0 px"), out.getInfoProperty());
        assertEquals("feather 3.0 px", out.getProp("sdij.paste_back"));
        assertTrue(out.getProp("sdij.inpaint_mode") != null, "sdij.inpaint_mode");
        String[] props = out.getPropertiesAsArray();
        for (int k = 0; k < props.length; k += 2) {
            if (props[k].equals(ImageOutput.HIDE_INFO)) continue; // ImageJ's own flag: Show Info shows our ordered list
            assertTrue(props[k].matches("sdij\\.[a-z0-9_]+"), "property " + props[k] + " is not sdij.snake_case");
        }
        assertTrue(out.getInfoProperty().endsWith("\n"), "the Info ends with a newline");
        assertTrue(out.getProp("sdij.macro").startsWith("selectImage(\"init_image.png\"); makeOval(" + box.x + ", " + box.y
                + ", " + box.width + ", " + box.height + "); run(\"Inpaint Selection...\""), out.getProp("sdij.macro"));
        assertTrue(SampleImages.samePixels(before, init), "the input was changed");

        Path maskPng = dir.resolve("oval.png");
        ImageIO.write(RoiMask.asBytes(RoiMask.of(oval, new Rectangle(0, 0, w, h)), w, h).getBufferedImage(),
                "png", maskPng.toFile());
        Path tif = dir.resolve("inpaint.tif");
        var spec = CommandFixtures.spec(c);
        int batch = CommandFixtures.batch(c);
        assertEquals(0, Main.run(new String[] {"inpaint", "--model", CommandFixtures.modelOf(c),
            "--prompt", CommandFixtures.prompt(c), "--negative-prompt", CommandFixtures.negativePrompt(c),
            "--seed", spec.get("seed").getAsString(), "--steps", spec.get("steps").getAsString(),
            "--guidance", spec.get("guidance_scale").getAsString(), "--sampler", spec.get("scheduler").getAsString(),
            "--strength", strength, "--num-images", Integer.toString(batch),
            "--image", c.resolve("init_image.png").toString(), "--mask", maskPng.toString(), "--feather", "3",
            "--out", tif.toString()}));
        double worst = maxError(out, 1, ImageFiles.read(batch == 1 ? tif : dir.resolve("inpaint-1.tif")));
        System.out.printf("  inpaint oval, feather 3, paste-back: max abs error vs the command line %.3g%n", worst);
        assertTrue(worst <= 1e-4, "max abs error " + worst);
        int[] rgbInit = (int[]) init.getProcessor().getPixels();
        float[] red = (float[]) out.getStack().getPixels(1);
        assertEquals(((rgbInit[0] >> 16) & 0xff) / 255f, red[0], 0f, "pixels outside the oval come back exactly");
    }

    @Test
    void inpaintingEverySliceOfAStackWithAPolygonIsOneBatch() {
        ImagePlus stack = SampleImages.gray(8, 36, 28, 2, (x, y, p) -> (x * 9 + y * 4 + 90 * p) % 256);
        stack.setTitle("stack.tif");
        Calibration cal = stack.getCalibration();
        cal.pixelWidth = 0.25;
        cal.setUnit("um");
        stack.setRoi(new PolygonRoi(new int[] {4, 20, 12}, new int[] {4, 6, 20}, 3, Roi.POLYGON));
        List<Object> before = show(stack);
        ModelCache.unload();
        int loads = ModelCache.loads();
        MacroHarness.run(run("Inpaint Selection...", "model=[" + CommandFixtures.tinyModel("sd2-inpainting")
                + "] prompt=[a cat] steps=3 seed=5 slices=all paste_back"));
        ImagePlus out = CommandFixtures.newResult(stack);
        assertEquals(1, ModelCache.loads() - loads, "one model load for the stack");
        assertEquals(ImagePlus.COLOR_RGB, out.getType());
        assertEquals(32, out.getWidth(), "36 trimmed to a multiple of 8");
        assertEquals(24, out.getHeight());
        assertEquals(2, out.getStackSize());
        assertEquals(0.25, out.getCalibration().pixelWidth);
        assertTrue(out.getInfoProperty().contains("input_position: z=2 t=1"), out.getInfoProperty());
        assertTrue(out.getProp("sdij.macro").contains("makeSelection(\"polygon\", newArray(4,20,12), newArray(4,6,20)); "),
                out.getProp("sdij.macro"));
        int[] corner = (int[]) out.getStack().getPixels(2);
        byte[] input = (byte[]) stack.getStack().getPixels(2);
        assertEquals(input[30] & 0xff, corner[30] & 0xff, "paste-back keeps the unselected pixels");
        assertTrue(SampleImages.samePixels(before, stack), "the input was changed");
        assertReproduced(stack, out);
    }

    @TestFactory
    Stream<DynamicTest> depthToImageWithAnOpenDepthMapGivesDiffusersPixels() throws Exception {
        return CommandFixtures.cases("depth2img").stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> {
            ImagePlus depth;
            try (SafeTensorsFile golden = SafeTensorsFile.open(c.resolve("golden.safetensors"));
                 NDManager m = NDManager.newBaseManager()) {
                long[] shape = golden.info("input.depth_map").shape();
                float[] values = golden.load("input.depth_map", m).toFloatArray();
                depth = new ImagePlus("depth map", new FloatProcessor((int) shape[2], (int) shape[1], values));
            }
            List<Object> depthBefore = show(depth);
            ImagePlus init = IJ.openImage(c.resolve("init_image.png").toString());
            List<Object> before = show(init);
            MacroHarness.run(run("Depth to Image...", CommandFixtures.caseOptions(c) + " depth=[depth map] strength="
                    + strength(c) + " output=32-bit"));
            ImagePlus out = CommandFixtures.newResult(init);
            assertTrue(out != depth);
            double worst = CommandFixtures.maxFloatStackError(out, CommandFixtures.goldenImages(c));
            System.out.printf("  %s: 32-bit max abs error %.3g%n", c.getFileName(), worst);
            assertTrue(worst <= 1e-4, "max abs error " + worst);
            assertEquals("depth2img", out.getProp("sdij.pipeline"));
            assertEquals("depth map", out.getProp("sdij.depth_title"));
            assertTrue(out.getProp("sdij.macro").contains("depth=[depth map]"), out.getProp("sdij.macro"));
            assertTrue(SampleImages.samePixels(before, init), "the input was changed");
            assertTrue(SampleImages.samePixels(depthBefore, depth), "the depth map was changed");
            CommandFixtures.closeAll();
        }));
    }

    @Test
    void depthToImageOverAStackTakesA16BitMapOfAnotherSize() {
        ImagePlus depth = SampleImages.gray(16, 20, 12, 1, (x, y, p) -> 300 + 40 * x + 7 * y);
        depth.setTitle("depth16");
        show(depth);
        ImagePlus stack = SampleImages.gray(8, 24, 16, 3, (x, y, p) -> (x * 10 + y * 3 + 60 * p) % 256);
        List<Object> before = show(stack);
        MacroHarness.run(run("Depth to Image...", "model=[" + CommandFixtures.tinyModel("sd2-depth")
                + "] prompt=[a cat] steps=3 seed=3 depth=depth16 slices=all num_images=2"));
        ImagePlus out = CommandFixtures.newResult(stack);
        assertEquals(ImagePlus.COLOR_RGB, out.getType());
        assertEquals(24, out.getWidth());
        assertEquals(16, out.getHeight());
        assertEquals(6, out.getStackSize(), "3 slices x 2 images");
        assertEquals("20x12", out.getProp("sdij.depth_map"));
        assertTrue(SampleImages.samePixels(before, stack), "the input was changed");
        assertReproduced(stack, out);
    }

    @Test
    void upscaleEqualsTheCommandLineAndDividesThePixelSizeBy4() throws Exception {
        Path c = CommandFixtures.aCase("upscale");
        String model = CommandFixtures.modelOf(c);
        var spec = CommandFixtures.spec(c);
        String noiseLevel = CommandFixtures.manifest(c).getAsJsonObject("call").get("noise_level").getAsString();
        String negative = CommandFixtures.negativePrompt(c);
        ImagePlus low = IJ.openImage(c.resolve("low_res_image.png").toString());
        Calibration cal = low.getCalibration();
        cal.pixelWidth = 2;
        cal.pixelHeight = 2;
        cal.setUnit("um");
        List<Object> before = show(low);
        String prompt = CommandFixtures.prompt(c);
        MacroHarness.run(run("Upscale 4x...", CommandFixtures.caseOptions(c) + " noise_level=" + noiseLevel
                + " output=32-bit"));
        ImagePlus out = CommandFixtures.newResult(low);
        assertEquals(4 * low.getWidth(), out.getWidth());
        assertEquals(4 * low.getHeight(), out.getHeight());
        assertEquals(0.5, out.getCalibration().pixelWidth);
        assertEquals(low.getCalibration().getUnit(), out.getCalibration().getUnit());
        assertEquals(noiseLevel, out.getProp("sdij.noise_level"));
        assertTrue(SampleImages.samePixels(before, low), "the input was changed");

        Path tif = dir.resolve("upscale.tif");
        assertEquals(0, Main.run(new String[] {"upscale", "--model", model, "--prompt", prompt, "--negative-prompt", negative,
            "--seed", spec.get("seed").getAsString(), "--steps", spec.get("steps").getAsString(),
            "--guidance", spec.get("guidance_scale").getAsString(), "--sampler", spec.get("scheduler").getAsString(),
            "--noise-level", noiseLevel,
            "--image", c.resolve("low_res_image.png").toString(), "--out", tif.toString()}));
        double worst = maxError(out, 1, ImageFiles.read(tif));
        System.out.printf("  upscale: max abs error vs the command line %.3g%n", worst);
        assertTrue(worst <= 1e-4, "max abs error " + worst);
    }

    @Test
    void upscaleOfASelectionOverEverySliceIsOneBatch() {
        ImagePlus stack = SampleImages.gray(16, 30, 20, 2, (x, y, p) -> 100 * x + 50 * y + 1000 * p);
        stack.resetDisplayRange();
        stack.setRoi(new Roi(3, 5, 12, 8));
        List<Object> before = show(stack);
        ModelCache.unload();
        int loads = ModelCache.loads();
        MacroHarness.run(run("Upscale 4x...", "model=[" + CommandFixtures.tinyModel("x4-upscaler")
                + "] prompt=[sharp] steps=2 seed=1 slices=all"));
        ImagePlus out = CommandFixtures.newResult(stack);
        assertEquals(1, ModelCache.loads() - loads);
        assertEquals(48, out.getWidth());
        assertEquals(32, out.getHeight());
        assertEquals(2, out.getStackSize());
        assertEquals("3,5,12,8", out.getProp("sdij.input_region"));
        assertEquals(1.0, out.getCalibration().pixelWidth, "an uncalibrated input stays uncalibrated");
        assertTrue(!out.getCalibration().scaled(), out.getCalibration().getUnits());
        assertTrue(out.getProp("sdij.macro").contains("makeRectangle(3, 5, 12, 8); run(\"Upscale 4x...\""));
        assertTrue(SampleImages.samePixels(before, stack), "the input was changed");
        assertReproduced(stack, out);
    }

    @Test
    void badInputGivesClearMessagesAndNoImage() {
        ImagePlus imp = SampleImages.gray(8, 16, 16, 1, (x, y, p) -> x * y);
        List<Object> before = show(imp);
        String inpainting = CommandFixtures.tinyModel("sd2-inpainting");
        assertContains("has none: select the part to repaint", failing(imp,
                run("Inpaint Selection...", "model=[" + inpainting + "] prompt=x steps=2")));
        assertContains("The depth map 'nowhere' is not open", failing(imp,
                run("Depth to Image...", "model=[" + CommandFixtures.tinyModel("sd2-depth") + "] prompt=x depth=nowhere")));
        assertContains("Depth to Image needs a depth map", failing(imp,
                run("Depth to Image...", "model=[" + CommandFixtures.tinyModel("sd2-depth") + "] prompt=x")));
        assertContains("noise_level", failing(imp,
                run("Upscale 4x...", "model=[" + CommandFixtures.tinyModel("x4-upscaler") + "] prompt=x noise_level=400")));
        assertContains("Run it with Plugins > Stable Diffusion > Depth to Image...", failing(imp,
                run("Upscale 4x...", "model=[" + CommandFixtures.tinyModel("sd2-depth") + "] prompt=x steps=2")));
        imp.setRoi(new Roi(2, 2, 5, 5));
        assertContains("Run it with Plugins > Stable Diffusion > Upscale 4x...", failing(imp,
                run("Inpaint Selection...", "model=[" + CommandFixtures.tinyModel("x4-upscaler") + "] prompt=x steps=2")));
        assertTrue(SampleImages.samePixels(before, imp), "the input was changed");
    }

    /** Reproduce from Metadata on {@code out}, with the input's selection gone, gives the same pixels. */
    private static void assertReproduced(ImagePlus input, ImagePlus out) {
        input.deleteRoi();
        IJ.selectWindow(out.getID());
        MacroHarness.run("run(\"Reproduce from Metadata...\");");
        ImagePlus again = CommandFixtures.newResult(out);
        assertEquals(out.getStackSize(), again.getStackSize());
        for (int k = 1; k <= out.getStackSize(); k++) {
            assertArrayEquals((int[]) out.getStack().getPixels(k), (int[]) again.getStack().getPixels(k), "slice " + k);
        }
    }

    /** Runs a macro that must fail; nothing new may be left open. */
    private static String failing(ImagePlus input, String macro) {
        int open = CommandFixtures.openImageCount();
        String message = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> MacroHarness.run(macro)).getMessage();
        assertEquals(open, CommandFixtures.openImageCount(), "a failed command left an image: " + message);
        IJ.selectWindow(input.getID());
        return message;
    }

    /** The message as read, its lines joined again (errors are wrapped at spaces to fit the screen). */
    private static void assertContains(String expected, String message) {
        assertTrue(message.replace('\n', ' ').contains(expected), "'" + expected + "' not in: " + message);
    }
}
