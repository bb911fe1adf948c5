package org.sdij.ij;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Error messages wrapped to fit the screen: no line over the width, no word or character lost. */
class CommandsTest {

    private static final String LONG = "Missing tensors in /home/someone/models/stable-diffusion/v1-5/unet/"
            + "diffusion_pytorch_model.fp16.safetensors: down_blocks.0.attentions.0.proj_in.weight, "
            + "down_blocks.0.attentions.0.proj_out.weight, mid_block.resnets.1.conv2.bias and 41 more."
            + "\nChoose the full model.  Or another one:\n\n" + "x".repeat(250);

    @Test
    void noLineIsLongerThanTheWidthAndNothingIsLost() {
        for (int width : new int[] {Commands.ERROR_LINE, 40, 7}) {
            String wrapped = Commands.wrap(LONG, width);
            for (String line : wrapped.split("\n", -1)) {
                assertTrue(line.length() <= width, width + ": line of " + line.length() + ": " + line);
            }
            assertEquals(LONG.replaceAll("\\s", ""), wrapped.replaceAll("\\s", ""), "the characters, in order");
            List<String> words = Arrays.stream(LONG.split("\\s+")).filter(w -> w.length() <= width).toList();
            List<String> got = Arrays.asList(wrapped.split("\\s+"));
            assertTrue(got.containsAll(words), width + ": every word that fits a line stays whole");
        }
    }

    @Test
    void linesAreFilledAndBrokenOnlyAtSpacesAndTheGivenBreaks() {
        assertEquals("one two\nthree\nfour", Commands.wrap("one two three four", 9));
        assertEquals("a\n\nb", Commands.wrap("a\n\nb", 9), "breaks already there stay");
        assertEquals("short", Commands.wrap("short", 90));
        assertEquals("/models/\nsd1/unet", Commands.wrap("/models/sd1/unet", 9), "a path is cut after a slash");
        assertEquals("aaa bbb\nccc ddd\ne", Commands.wrap("aaa bbb ccc ddd e", 8), "each line as full as it can be");
    }
}
