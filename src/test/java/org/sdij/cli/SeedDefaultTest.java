package org.sdij.cli;

import org.junit.jupiter.api.Test;
import org.sdij.pipeline.GenerationRequest;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run without --seed uses the seed the ImageJ dialogs and macros default to, and its recorded command says so. */
class SeedDefaultTest {

    @Test
    void aRunWithoutSeedRecordsTheSharedDefault() throws Exception {
        String[] args = {"txt2img", "--model", "m", "--prompt", "p", "--out", "o.png"};
        CommandLine cl = CommandLine.parse("txt2img", GenerateCommand.options("txt2img"), args, 1);
        String command = GenerateCommand.reproduceCommand("txt2img", cl, args);
        assertTrue((command + " ").contains(" --seed " + GenerationRequest.DEFAULT_SEED + " "), command);
        // the ImageJ side takes the same constant (CommandTables.SEED), so a macro without seed= makes the same image
        assertTrue(GenerationRequest.DEFAULT_SEED == 42, "README's examples and the dialogs show seed 42");
    }
}
