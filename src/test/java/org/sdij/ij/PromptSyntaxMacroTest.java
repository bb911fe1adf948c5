package org.sdij.ij;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The prompt syntax in ImageJ: a setting of Models and Settings... (a1111 by default), recorded in each result as
 * {@code sdij.prompt_syntax}; Reproduce from Metadata remakes an image with the syntax it records (plain for
 * images from before it was recorded), whatever the setting; tokens the plain syntax drops are written to the Log.
 */
@Tag("golden")
class PromptSyntaxMacroTest {

    static {
        ImageJHarness.init();
    }

    @AfterEach
    void restoreDefaults() {
        CommandFixtures.closeAll();
        CommandTables.SETTINGS.remember(CommandTables.SETTINGS.defaults());
    }

    private static final String EMPHASIZED = "a (red:1.5) barn, [old] ((stone))";

    /** A small, quick Text to Image... line on the model of a txt2img case: the syntax, not the picture, is tested. */
    private static String textToImage(String prompt) throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        return "run(\"Text to Image...\", \"model=[" + CommandFixtures.modelOf(c) + "] prompt=[" + prompt
                + "] seed=5 steps=1 width=32 height=32\");";
    }

    private static void settings(String options) {
        MacroHarness.run("run(\"Models and Settings...\", \"" + options + "\");");
    }

    @Test
    void theSettingIsAChoiceDefaultingToA1111() {
        assertEquals("a1111", Settings.current().promptSyntax());
        settings("prompt_syntax=plain");
        assertEquals("plain", Settings.current().promptSyntax());
        assertEquals("plain", ij.Prefs.get("sdij.settings.prompt_syntax", null));
        settings("threads=0");
        assertEquals("a1111", Settings.current().promptSyntax(), "a macro leaving it out gets the default");
        AssertionError e = assertThrows(AssertionError.class, () -> settings("prompt_syntax=fancy"));
        assertTrue(e.getMessage().contains("fancy"), e.getMessage());
    }

    @Test
    void reproduceFromMetadataUsesTheRecordedSyntax() throws Exception {
        settings("prompt_syntax=plain");
        MacroHarness.run(textToImage(EMPHASIZED));
        ImagePlus plain = CommandFixtures.newResult(null);
        assertEquals("plain", plain.getProp("sdij.prompt_syntax"));

        settings("prompt_syntax=a1111");
        MacroHarness.run(textToImage(EMPHASIZED));
        ImagePlus a1111 = CommandFixtures.newResult(plain);
        assertEquals("a1111", a1111.getProp("sdij.prompt_syntax"));
        assertTrue(a1111.getInfoProperty().contains("Prompt syntax: a1111"), a1111.getInfoProperty());
        assertFalse(Arrays.equals(pixels(plain), pixels(a1111)), "emphasis changes the image");

        ij.IJ.selectWindow(plain.getID());
        MacroHarness.run("run(\"Reproduce from Metadata...\");");
        ImagePlus remade = CommandFixtures.newResult(a1111);
        assertEquals("plain", remade.getProp("sdij.prompt_syntax"), "the recorded syntax, not the setting's");
        assertArrayEquals(pixels(plain), pixels(remade));

        plain.setProp("sdij.prompt_syntax", null); // an image from before the syntax was recorded
        ij.IJ.selectWindow(plain.getID());
        MacroHarness.run("run(\"Reproduce from Metadata...\");");
        ImagePlus older = CommandFixtures.newResult(remade);
        assertEquals("plain", older.getProp("sdij.prompt_syntax"));
        assertArrayEquals(pixels(plain), pixels(older));
        assertEquals("a1111", Settings.current().promptSyntax(), "the setting is left as it was");
    }

    /** Headless, ImageJ's Log is standard output (IJ.log prints there); with a window it is the Log window. */
    @Test
    void droppedTokensAreWrittenToTheLog() throws Exception {
        settings("prompt_syntax=plain");
        String before = String.valueOf(ij.IJ.getLog());
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(out, true));
        try {
            MacroHarness.run(textToImage(String.join(" ", Collections.nCopies(80, "barn"))));
        } finally {
            System.setOut(saved);
        }
        String after = String.valueOf(ij.IJ.getLog());
        String logged = out + (after.startsWith(before) ? after.substring(before.length()) : after);
        assertTrue(logged.contains("Stable Diffusion: the prompt has 80 tokens; plain prompt syntax keeps the first 75"
                + " and drops 5 (\"barn barn barn barn barn\")."), logged);
    }

    private static int[] pixels(ImagePlus imp) {
        return (int[]) imp.getStack().getPixels(1);
    }
}
