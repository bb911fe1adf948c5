package org.sdij.ij;

import org.junit.jupiter.api.Test;
import org.sdij.Reference;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelKind;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The known-models list of each command's dialog holds only the models of the folder that the command can run. */
class ModelChoiceKindTest {

    static {
        ImageJHarness.init();
    }

    @Test
    void eachCommandListsOnlyTheModelsOfItsKind() throws Exception {
        String folder = Reference.resolve("tiny-models").toString();
        List<String> all = ModelChoice.known(folder);
        assertFalse(all.isEmpty(), "no models in " + folder);
        int told = 0;
        for (String command : List.of("Text to Image...", "Image to Image...", "Inpaint Selection...",
                "Depth to Image...", "Upscale 4x...")) {
            ModelCache.KindCheck check = CommandRun.checkFor(command);
            List<String> listed = ModelChoice.known(folder, check);
            for (String name : all) {
                ModelKind kind = null;
                try (ModelFiles files = ModelLocator.open(Path.of(folder).resolve(name), ModelOptions.DEFAULT)) {
                    kind = files.kind();
                } catch (java.io.IOException e) {
                    // a tiny single file fits no preset: its kind cannot be told without a config folder
                }
                boolean runs = kind == null || check.problem(name, kind) == null;
                assertEquals(runs, listed.contains(name), command + ": " + name + " (" + kind + ") in " + listed);
                if (kind != null) told++;
            }
        }
        assertTrue(told > 0, "no model of " + folder + " has a kind told from its files");
        assertTrue(ModelChoice.known(folder, null).equals(all), "no check: every model");
    }
}
