package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sdij.Reference;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What goes wrong, through real macros: each case stops the macro with a message that says what to do,
 * makes no image and leaves the input as it was.
 */
class BadInputMacroTest {

    static {
        ImageJHarness.init();
    }

    private static final String SD1 = "model=[" + CommandFixtures.tinyModel("sd1") + "] prompt=[a cat] steps=4 sampler=ddim";

    @AfterEach
    void cleanUp() {
        CommandFixtures.closeAll();
        CommandTables.SETTINGS.remember(CommandTables.SETTINGS.defaults());
        IJ.resetEscape();
    }

    /** Runs the macro, which must fail; returns ImageJ's message. */
    private static String failing(String macro) {
        return assertThrows(AssertionError.class, () -> MacroHarness.run(macro)).getMessage();
    }

    /** The message as read, its lines joined again (errors are wrapped at spaces to fit the screen). */
    private static void assertContains(String expected, String message) {
        assertTrue(message.replace('\n', ' ').contains(expected), "'" + expected + "' not in: " + message);
    }

    /** Shows the image as the active one; returns its pixels. */
    private static List<Object> show(ImagePlus imp) {
        imp.show();
        IJ.selectWindow(imp.getID());
        return SampleImages.snapshot(imp);
    }

    /** Fails the macro and checks that nothing new is open and the input is intact. */
    private static String failsCleanly(ImagePlus input, String macro) {
        List<Object> before = SampleImages.snapshot(input);
        int open = CommandFixtures.openImageCount();
        String message = failing(macro);
        assertEquals(open, CommandFixtures.openImageCount(), "an image was made: " + message);
        assertTrue(SampleImages.samePixels(before, input), "the input was changed");
        return message;
    }

    @Test
    void noImageOpen() {
        assertEquals(0, CommandFixtures.openImageCount());
        assertContains("Image to Image needs an open image", failing("run(\"Image to Image...\", \"" + SD1 + "\");"));
        assertContains("Reproduce from Metadata needs an open image", failing("run(\"Reproduce from Metadata...\");"));
        assertEquals(0, CommandFixtures.openImageCount());
    }

    /** A long message from a real command comes out on several lines, none wider than a small screen allows. */
    @Test
    void aLongErrorIsWrappedToFitTheScreen() {
        String macro = "run(\"Text to Image...\", \"model=[" + CommandFixtures.tinyModel("sd2-inpainting")
                + "] prompt=x steps=2\");";
        String message = failing(macro);
        assertTrue(message.startsWith("Macro failed: ") && message.endsWith("\n" + macro), message);
        String error = message.substring("Macro failed: ".length(), message.length() - macro.length() - 1);
        assertTrue(error.contains("\n"), "one line: " + error);
        for (String line : error.split("\n")) {
            assertTrue(line.length() <= Commands.ERROR_LINE, "a line of " + line.length() + ": " + line);
        }
        assertContains("not a text-to-image model: run it with Plugins > Stable Diffusion > Inpaint Selection..., or "
                + "choose a Stable Diffusion 1.x or 2.x model", error.replace('\n', ' '));
    }

    @Test
    void theWrongModelKindForTheCommand() {
        String inpainting = CommandFixtures.tinyModel("sd2-inpainting");
        int loads = ModelCache.loads();
        String refused = failing("run(\"Text to Image...\", \"model=[" + inpainting + "] prompt=x steps=2\");")
                .replace('\n', ' ');
        assertContains("sd2-inpainting is an inpainting model (9 UNet input channels), not a text-to-image model", refused);
        assertContains("run it with Plugins > Stable Diffusion > Inpaint Selection...", refused);
        assertEquals(loads, ModelCache.loads(), "the kind is told from the files: nothing is loaded to refuse it");
        ImagePlus imp = SampleImages.gray(8, 16, 16, 1, (x, y, p) -> x * y);
        show(imp);
        assertContains("sd2-depth is a depth-to-image model", failsCleanly(imp,
                "run(\"Image to Image...\", \"model=[" + CommandFixtures.tinyModel("sd2-depth") + "] prompt=x steps=2\");"));
    }

    @Test
    void aMissingModelSaysWhereToPutIt() {
        assertContains("No model 'sd-v1-5' found. No models folder is set: put a diffusers folder",
                failing("run(\"Text to Image...\", \"model=sd-v1-5 prompt=x\");"));
        MacroHarness.run("run(\"Models and Settings...\", \"models_folder=[" + Reference.resolve("tiny-models") + "]\");");
        String message = failing("run(\"Text to Image...\", \"model=sd-v1-5 prompt=x\");");
        assertContains("holds sd1, sd1.safetensors, sd2-depth", message);
        assertContains("No model chosen", failing("run(\"Text to Image...\", \"prompt=x\");"));
    }

    @Test
    void aSelectionOutsideTheImage() {
        ImagePlus imp = SampleImages.gray(8, 40, 30, 1, (x, y, p) -> x + y);
        show(imp);
        MacroHarness.run("makeRectangle(100, 100, 16, 16);");
        assertContains("The selection lies outside the image", failsCleanly(imp, "run(\"Image to Image...\", \"" + SD1 + "\");"));
        assertEquals(100, imp.getRoi().getBounds().x, "the selection was changed");
    }

    @Test
    void aOneByOneImageAndALineSelection() {
        ImagePlus dot = SampleImages.gray(8, 1, 1, 1, (x, y, p) -> 9);
        show(dot);
        assertContains("needs at least 8x8 pixels; the image is 1x1", failsCleanly(dot, "run(\"Image to Image...\", \"" + SD1 + "\");"));
        ImagePlus imp = SampleImages.gray(8, 32, 32, 1, (x, y, p) -> x);
        show(imp);
        imp.setRoi(new Roi(2, 2, 5, 30));
        assertContains("the selection is 5x30", failsCleanly(imp, "run(\"Image to Image...\", \"" + SD1 + "\");"));
        MacroHarness.run("makeLine(1, 1, 20, 20);");
        assertContains("Needs an area selection", failsCleanly(imp, "run(\"Image to Image...\", \"" + SD1 + "\");"));
    }

    @Test
    void aFiveDimensionalHyperstackGivesTheCurrentOrEveryPositionAndChannelsAreChecked() {
        ImagePlus hyper = SampleImages.composite(16, 16, 3, 2, 2);
        hyper.setPosition(2, 2, 1);
        List<Object> before = show(hyper);
        assertContains("Channel 4 does not exist: the image has 3",
                failsCleanly(hyper, "run(\"Image to Image...\", \"" + SD1 + " channels=1,4\");"));
        assertContains("At most three channels (R, G, B)",
                failsCleanly(hyper, "run(\"Image to Image...\", \"" + SD1 + " channels=1,2,3,1\");"));

        MacroHarness.run("run(\"Image to Image...\", \"" + SD1 + "\");");
        ImagePlus one = CommandFixtures.newResult(hyper);
        assertEquals(1, one.getStackSize());
        assertEquals("z=2 t=1", one.getProp("sdij.input_position"));
        assertEquals("1,2,3", one.getProp("sdij.input_channels"), "a composite gives the channels it shows");
        IJ.selectWindow(hyper.getID());
        MacroHarness.run("run(\"Image to Image...\", \"" + SD1 + " slices=all channels=2\");");
        ImagePlus all = CommandFixtures.newResult(hyper);
        assertEquals(4, all.getStackSize(), "2 slices x 2 frames");
        assertTrue(SampleImages.samePixels(before, hyper));
        assertEquals(2, hyper.getC());
        assertEquals(2, hyper.getZ());
    }

    @Test
    void reproduceNeedsARecordAndTheRecordedInput() {
        ImagePlus plain = SampleImages.rgb(16, 16, 1);
        show(plain);
        assertContains("carries no sd-ij record", failsCleanly(plain, "run(\"Reproduce from Metadata...\");"));

        MacroHarness.run("run(\"Image to Image...\", \"" + SD1 + "\");");
        ImagePlus out = CommandFixtures.newResult(plain);
        plain.changes = false;
        plain.close();
        IJ.selectWindow(out.getID());
        assertContains("was made by Image to Image from 'rgb': open that image", failsCleanly(out, "run(\"Reproduce from Metadata...\");"));
    }

    @Test
    void escHalfWayMakesNothingAndFreesTheRunsMemory() {
        MacroHarness.run("run(\"Text to Image...\", \"" + SD1 + "\");");
        CommandFixtures.closeAll();
        int arrays = ModelCache.loaded().manager().getManagedArrays().size();
        try (EscPress esc = EscPress.atStatus("step 2/4")) {
            String message = failing("run(\"Text to Image...\", \"" + SD1 + "\");");
            assertContains("Text to Image: cancelled after step 2 of 4; nothing was made", message);
            assertEquals(0, CommandFixtures.openImageCount());
            assertEquals(arrays, ModelCache.loaded().manager().getManagedArrays().size(), "the run's arrays were not freed");

            IJ.resetEscape();
            ImagePlus stack = SampleImages.gray(8, 16, 16, 3, (x, y, p) -> x * 9 + p * 40);
            show(stack);
            assertContains("cancelled after step 2 of 4",
                    failsCleanly(stack, "run(\"Image to Image...\", \"" + SD1 + " strength=1 slices=all\");"));
        }
    }

    @Test
    void escDuringAStackRunKeepsTheFinishedSlicesWhenAsked() {
        ImagePlus stack = SampleImages.gray(8, 16, 16, 3, (x, y, p) -> x * 9 + p * 40);
        List<Object> before = show(stack);
        try (EscPress esc = EscPress.atStatus("step 2/4 (image 2/3)")) {
            MacroHarness.run("run(\"Image to Image...\", \"" + SD1 + " strength=1 slices=all keep_finished\");");
        }
        ImagePlus kept = CommandFixtures.newResult(stack);
        assertEquals(1, kept.getStackSize());
        assertTrue(kept.getTitle().contains("[cancelled, 1 of 3]"), kept.getTitle());
        assertTrue(SampleImages.samePixels(before, stack));
    }
}
