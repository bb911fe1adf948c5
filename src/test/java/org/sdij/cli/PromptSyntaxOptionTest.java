package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.pipeline.RgbImage;

/**
 * {@code --prompt-syntax a1111|plain}: offered by every generating command, a1111 by default; a prompt without
 * syntax makes the same pixels either way; plain cuts a long prompt and warns on standard error; the syntax is
 * recorded in the parameters and pinned in the recorded command.
 */
@Tag("golden")
class PromptSyntaxOptionTest {

    @TempDir
    Path dir;

    static final String SD1 = ConditionedCommandsTest.tinyModelOf("txt2img");

    /** A small, quick txt2img run: the option, not the picture, is under test. */
    private static List<String> txt2img(Path out, String prompt, String... more) {
        List<String> args = new ArrayList<>(List.of("txt2img", "--model", SD1, "--prompt", prompt, "--seed", "11",
                "--steps", "1", "--width", "32", "--height", "32", "--out", out.toString()));
        args.addAll(List.of(more));
        return args;
    }

    /** Runs the command; returns what it wrote to standard error. */
    private static String run(int expectedStatus, List<String> args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertEquals(expectedStatus, Main.run(args.toArray(String[]::new)), err.toString());
        } finally {
            System.setErr(saved);
        }
        return err.toString();
    }

    @Test
    void everyGeneratingCommandOffersIt() {
        for (String command : List.of("txt2img", "img2img", "inpaint", "depth2img", "upscale")) {
            String usage = GenerateCommand.usage(command);
            assertTrue(usage.contains("--prompt-syntax a1111|plain"), command + ": " + usage);
        }
    }

    @Test
    void aBadValueIsAUsageError() {
        String err = run(2, txt2img(dir.resolve("x.png"), "a cat", "--prompt-syntax", "fancy"));
        assertTrue(err.contains("sd-ij txt2img: Bad --prompt-syntax 'fancy': use a1111 (emphasis such as (word:1.2),"
                + " prompts of any length) or plain (the text as it is, cut after 75 tokens)"), err);

        err = run(2, txt2img(dir.resolve("y.png"), "a (cat:1.2.3)"));
        assertTrue(err.contains("sd-ij txt2img: Prompt: the weight in ':1.2.3)' is not a number: write one such as"
                + " (word:1.2), or \\( \\) for literal brackets"), "refused before the model loads: " + err);
        assertFalse(err.contains("loaded"), err);
    }

    @Test
    void aPromptWithoutSyntaxMakesTheSamePixelsEitherWayAndTheSyntaxIsRecorded() throws Exception {
        Path byDefault = dir.resolve("default.png");
        Path plain = dir.resolve("plain.png");
        String prompt = "a red barn, at dawn";
        String err = run(0, txt2img(byDefault, prompt));
        run(0, txt2img(plain, prompt, "--prompt-syntax", "plain"));
        assertFalse(err.contains("warning"), err);

        Map<String, String> defaultText = ImageFiles.readPngText(byDefault);
        assertTrue(defaultText.get("parameters").contains(", Prompt syntax: a1111, "), defaultText.get("parameters"));
        assertTrue(defaultText.get("sd-ij-command").contains(" --prompt-syntax a1111"),
                "the default is pinned in the command: " + defaultText.get("sd-ij-command"));
        Map<String, String> plainText = ImageFiles.readPngText(plain);
        assertTrue(plainText.get("parameters").contains(", Prompt syntax: plain, "), plainText.get("parameters"));
        assertTrue(plainText.get("sd-ij-command").contains(" --prompt-syntax plain"));
        assertFalse(plainText.get("sd-ij-command").contains("a1111"));

        RgbImage a = ImageFiles.read(byDefault);
        RgbImage b = ImageFiles.read(plain);
        for (int c = 0; c < 3; c++) assertArrayEquals(a.planes()[c], b.planes()[c], "channel " + c);
    }

    @Test
    void plainSyntaxWarnsAboutTheTokensItDrops() {
        String prompt = String.join(" ", Collections.nCopies(80, "cat"));
        String err = run(0, txt2img(dir.resolve("long.png"), prompt, "--prompt-syntax", "plain"));
        assertTrue(err.contains("sd-ij: warning: the prompt has 80 tokens; plain prompt syntax keeps the first 75 and"
                + " drops 5 (\"cat cat cat cat cat\"). Use prompt syntax a1111 to keep them all."), err);
    }
}
