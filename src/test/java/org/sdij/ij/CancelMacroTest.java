package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.Rectangle;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Esc half-way through Inpaint Selection..., Depth to Image... and Upscale 4x..., through real macros on
 * the tiny models: the macro stops with a message naming the step, no window is left, the input (its
 * pixels and selection, and the depth map) is as it was, and the run's native arrays are freed; a stack
 * run with keep_finished keeps exactly the slices it finished. Upscale also stops between decode tiles.
 */
class CancelMacroTest {

    static {
        ImageJHarness.init();
    }

    private static final String INPAINT = "Inpaint Selection...";
    private static final String DEPTH = "Depth to Image...";
    private static final String UPSCALE = "Upscale 4x...";
    private static final String DEPTH_TITLE = "depth16";

    @AfterEach
    void cleanUp() {
        CommandFixtures.closeAll();
        IJ.resetEscape();
    }

    /** The macro line of a tiny 4-step run of the command, with more options. */
    private static String macro(String command, String more) {
        String model = switch (command) {
            case INPAINT -> "sd2-inpainting";
            case DEPTH -> "sd2-depth";
            case UPSCALE -> "x4-upscaler";
            default -> throw new IllegalArgumentException(command);
        };
        String only = command.equals(DEPTH) ? " strength=1 depth=" + DEPTH_TITLE : "";
        return "run(\"" + command + "\", \"model=[" + CommandFixtures.tinyModel(model)
                + "] prompt=[a cat] seed=7 steps=4 sampler=ddim" + only + " " + more + "\");";
    }

    /**
     * The command's input, shown and active, with a selection: an oval to repaint, or a rectangle whose
     * box is transformed or enlarged; Depth to Image's depth map (another size) is opened first.
     */
    private static ImagePlus input(String command, int slices) {
        if (command.equals(DEPTH)) {
            ImagePlus depth = SampleImages.gray(16, 20, 12, 1, (x, y, p) -> 300 + 40 * x + 7 * y);
            depth.setTitle(DEPTH_TITLE);
            depth.show();
        }
        ImagePlus imp = SampleImages.gray(8, 24, 16, slices, (x, y, p) -> (x * 9 + y * 4 + 70 * p) % 256);
        imp.setTitle("input");
        imp.show();
        IJ.selectWindow(imp.getID());
        imp.setRoi(command.equals(INPAINT) ? new OvalRoi(3, 2, 12, 9) : new Roi(2, 1, 16, 8));
        return imp;
    }

    /** Everything a cancelled run must leave as it was: open images, pixels, selection, model arrays. */
    private record Before(int openImages, List<List<Object>> pixels, int roiType, Rectangle roiBounds,
                          int modelArrays) {

        static Before of(ImagePlus input) {
            Roi roi = input.getRoi();
            return new Before(CommandFixtures.openImageCount(), allPixels(), roi.getType(), roi.getBounds(),
                    ModelCache.loaded().manager().getManagedArrays().size());
        }

        /** The pixels of every open image (the input and the depth map). */
        static List<List<Object>> allPixels() {
            return Arrays.stream(WindowManager.getIDList())
                    .mapToObj(id -> SampleImages.snapshot(WindowManager.getImage(id))).toList();
        }

        void assertUnchanged(ImagePlus input, String after) {
            assertEquals(openImages, CommandFixtures.openImageCount(), "a window was left: " + after);
            List<List<Object>> now = allPixels();
            assertEquals(pixels.size(), now.size());
            for (int i = 0; i < pixels.size(); i++) {
                assertTrue(Arrays.deepEquals(pixels.get(i).toArray(), now.get(i).toArray()),
                        "image " + (i + 1) + " was changed: " + after);
            }
            Roi roi = input.getRoi();
            assertTrue(roi != null, "the selection was removed: " + after);
            assertEquals(roiType, roi.getType(), "the selection's type: " + after);
            assertEquals(roiBounds, roi.getBounds(), "the selection's bounds: " + after);
            assertEquals(modelArrays, ModelCache.loaded().manager().getManagedArrays().size(),
                    "the run's native arrays were not freed: " + after);
        }
    }

    /**
     * Runs the macro without Esc (it makes an image, which is closed and returned; the model stays loaded),
     * then with Esc pressed where {@code esc} says: the macro fails and leaves everything as it was;
     * returns its message.
     */
    private static String cancelled(ImagePlus input, String macro, Supplier<EscPress> esc) {
        ImagePlus made = runToTheEnd(input, macro);
        made.changes = false;
        made.close();
        IJ.selectWindow(input.getID());
        Before before = Before.of(input);
        String message;
        try (EscPress pressed = esc.get()) {
            message = assertThrows(AssertionError.class, () -> MacroHarness.run(macro)).getMessage();
        }
        before.assertUnchanged(input, message);
        return message;
    }

    private static ImagePlus runToTheEnd(ImagePlus input, String macro) {
        MacroHarness.run(macro);
        ImagePlus made = CommandFixtures.newResult(input);
        assertTrue(!made.getTitle().contains("cancelled"), made.getTitle());
        return made;
    }

    /** The message as read, its lines joined again (errors are wrapped at spaces to fit the screen). */
    private static void assertContains(String expected, String message) {
        assertTrue(message.replace('\n', ' ').contains(expected), "'" + expected + "' not in: " + message);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {INPAINT, DEPTH, UPSCALE})
    void escHalfWayMakesNothingAndLeavesTheInputAndTheMemoryAsTheyWere(String command) {
        ImagePlus input = input(command, 1);
        String message = cancelled(input, macro(command, ""), () -> EscPress.atStatus("step 2/4,"));
        assertContains(command.replace("...", "") + ": cancelled after step 2 of 4; nothing was made", message);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {INPAINT, DEPTH, UPSCALE})
    void escDuringSlice2OfAStackKeepsSlice1OnlyWhenAsked(String command) {
        ImagePlus input = input(command, 3);
        String message = cancelled(input, macro(command, "slices=all"), () -> EscPress.atStatus("step 2/4 (image 2/3)"));
        assertContains(command.replace("...", "") + ": cancelled after step 2 of 4; nothing was made", message);

        String keep = macro(command, "slices=all keep_finished");
        ImagePlus whole = runToTheEnd(input, keep);
        assertEquals(3, whole.getStackSize());
        IJ.selectWindow(input.getID());
        Before before = Before.of(input);
        try (EscPress esc = EscPress.atStatus("step 2/4 (image 2/3)")) {
            MacroHarness.run(keep);
        }
        ImagePlus kept = CommandFixtures.newResult(input);
        assertTrue(kept != whole);
        assertTrue(kept.getTitle().endsWith("[cancelled, 1 of 3]"), kept.getTitle());
        assertEquals(1, kept.getStackSize(), "the finished slice only");
        assertArrayEquals((int[]) whole.getStack().getPixels(1), (int[]) kept.getStack().getPixels(1),
                "the kept slice is the first slice of the whole run");
        assertEquals("z=1 t=1", kept.getProp("sdij.input_position"));
        kept.changes = false;
        kept.close();
        before.assertUnchanged(input, "keep_finished");
    }

    @Test
    void upscaleEscWhileDecodingStopsBetweenTiles() {
        // a 136-pixel-wide input is a 136-wide latent: two decode tiles of 128 (the VAE's attention limit)
        ImagePlus input = SampleImages.gray(8, 136, 8, 1, (x, y, p) -> (x * 5 + y * 20) % 256);
        input.setTitle("strip");
        input.show();
        IJ.selectWindow(input.getID());
        input.setRoi(new Roi(0, 0, 136, 8));
        String macro = "run(\"Upscale 4x...\", \"model=[" + CommandFixtures.tinyModel("x4-upscaler")
                + "] prompt=[a cat] seed=7 steps=2 sampler=ddim\");";
        String message = cancelled(input, macro, () -> EscPress.atStatus("decoded 1/2"));
        assertContains("Upscale 4x: cancelled while decoding, after tile 1 of 2; nothing was made", message);
    }
}
