package org.sdij.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher's progress written to a file or pipe: plain lines, no carriage returns or escape sequences. */
class ProgressBarTest {

    @Test
    void notATerminalGetsOnePlainLinePerStep() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "txt2img", false);
        for (int step = 0; step <= 3; step++) bar.update(step, 3);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(4, text.lines().count(), text);
        assertTrue(text.chars().noneMatch(c -> c < 0x20 && c != '\n'), "control characters in: " + text);
        assertTrue(text.lines().toList().get(3).startsWith("txt2img   3/3 [####"), text);
    }

    @Test
    void whenRunByTheTestsTheLauncherSeesNoTerminal() {
        // System.console() is null under Maven, as in a pipe: the default constructor then writes plain lines
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "x").update(1, 2);
        if (System.console() == null) assertTrue(!bytes.toString(StandardCharsets.UTF_8).contains("\r"));
    }
}
