package org.sdij.ij;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Models and Settings... run as a macro string through ImageJ's interpreter, found through plugins.config. */
@Tag("golden")
class SettingsMacroTest {

    static {
        ImageJHarness.init();
    }

    @AfterEach
    void restoreDefaults() {
        CommandTables.SETTINGS.remember(CommandTables.SETTINGS.defaults());
        CommandFixtures.closeAll();
    }

    @Test
    void pluginsConfigPutsEveryCommandOnTheMenuAndEveryClassExists() throws Exception {
        assertEquals(SettingsCommand.class.getName(), MacroHarness.commandClass("Models and Settings..."));
        assertEquals(java.util.List.of("Text to Image...", "Image to Image...", "Inpaint Selection...",
                "Depth to Image...", "Estimate Depth...", "Upscale 4x...", "Reproduce from Metadata...", "Download Model...", "Models and Settings..."), java.util.List.copyOf(HeadlessMacro.entries().keySet()));
        for (var entry : HeadlessMacro.entries().entrySet()) {
            assertEquals(entry.getValue(), MacroHarness.commandClass(entry.getKey()), entry.getKey());
            Class<?> command = Class.forName(entry.getValue());
            assertTrue(ij.plugin.PlugIn.class.isAssignableFrom(command), entry.getValue() + " is no PlugIn");
        }
    }

    @TempDir
    Path dir;

    @Test
    void aMacroStoresTheSettingsInImageJPreferences() throws Exception {
        String folder = Files.createDirectories(dir.resolve("sd models")).toString();
        MacroHarness.run("run(\"Models and Settings...\", "
                + "\"models_folder=[" + folder + "] device=gpu precision=fp16 threads=2 attention_limit=512 low_memory preview_every=5\");");
        assertEquals(folder, ij.Prefs.get("sdij.settings.models_folder", null));
        assertEquals("2", ij.Prefs.get("sdij.settings.threads", null));
        assertEquals("true", ij.Prefs.get("sdij.settings.low_memory", null));
        Settings s = Settings.current();
        assertEquals(new Settings(folder, "gpu", "fp16", 2, 512, true, "a1111", 5), s);
        assertEquals("cpu", s.deviceFor("cpu"));
        assertEquals("gpu", s.deviceFor("settings"));
    }

    @Test
    void theExampleMacroRunsWithAnArgument() throws Exception {
        String macro = java.nio.file.Files.readString(java.nio.file.Path.of("macros/models_and_settings.ijm"));
        String folder = Files.createDirectories(dir.resolve("data/sd models")).toString();
        MacroHarness.run(macro, folder);
        assertEquals(folder, Settings.current().modelsFolder());
    }

    @Test
    void aModelsFolderThatDoesNotExistIsRefusedAndNothingIsStored() throws Exception {
        String missing = dir.resolve("no such folder").toString();
        AssertionError e = assertThrows(AssertionError.class, () -> MacroHarness.run(
                "run(\"Models and Settings...\", \"models_folder=[" + missing + "] threads=5\");"));
        assertTrue(e.getMessage().replace('\n', ' ').contains("The models folder " + missing + " does not exist: create it"),
                e.getMessage());
        assertEquals(new Settings("", "cpu", "fp32", 0, 1024, false), Settings.current(), "nothing stored");
        String file = Files.writeString(dir.resolve("model.txt"), "x").toString();
        e = assertThrows(AssertionError.class, () -> MacroHarness.run(
                "run(\"Models and Settings...\", \"models_folder=[" + file + "]\");"));
        assertTrue(e.getMessage().replace('\n', ' ').contains(file + " is not a folder"), e.getMessage());
    }

    @Test
    void leftOutKeysGetTheDefaults() {
        MacroHarness.run("run(\"Models and Settings...\", \"threads=3\");");
        assertEquals(new Settings("", "cpu", "fp32", 3, 1024, false, "a1111", 1), Settings.current());
    }

    @Test
    void aBadValueStopsTheMacroAndStoresNothing() {
        AssertionError e = assertThrows(AssertionError.class, () -> MacroHarness.run(
                "run(\"Models and Settings...\", \"threads=-1\");\nrun(\"Models and Settings...\", \"threads=5\");"));
        assertTrue(e.getMessage().contains("threads must be at least 0, got -1"), e.getMessage());
        assertEquals(0, Settings.current().threads());
    }

    @Test
    void lowMemoryIsACheckboxWhoseMacroKeyIsItsName() {
        Field f = CommandTables.SETTINGS.fields().stream().filter(x -> x.key().equals("low_memory")).findFirst()
                .orElseThrow();
        assertEquals(Field.Type.BOOL, f.type());
        assertEquals(false, f.defaultValue());
        assertEquals("Low_memory (keep weights in fp16: half the memory)", f.label());
        assertEquals("low_memory", ij.Macro.trimKey(f.label()));
        MacroHarness.run("run(\"Models and Settings...\", \"low_memory\");");
        assertTrue(Settings.current().lowMemory());
        MacroHarness.run("run(\"Models and Settings...\", \"threads=0\");");
        assertEquals(false, Settings.current().lowMemory(), "a macro leaving the checkbox out unticks it");
    }

    /**
     * Text to Image... with low_memory: the model is loaded again, its weights kept as fp16, the image near
     * diffusers' and marked; turning it off loads the float32 model again.
     */
    @Test
    void textToImageRunsWithHalfWeightsAndTheSettingReloadsTheModel() throws Exception {
        java.nio.file.Path c = CommandFixtures.aCase("txt2img");
        String textToImage = "run(\"Text to Image...\", \"" + CommandFixtures.textToImageOptions(c)
                + " output=32-bit\");";
        float[] golden = CommandFixtures.goldenImages(c);

        MacroHarness.run("run(\"Models and Settings...\", \"low_memory\");");
        int loads = ModelCache.loads();
        MacroHarness.run(textToImage);
        assertEquals(loads + 1, ModelCache.loads());
        assertEquals(ai.djl.ndarray.types.DataType.FLOAT16, ModelCache.loaded().storageDtype());
        assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, ModelCache.loaded().dtype());
        ij.ImagePlus low = CommandFixtures.newResult(null);
        assertEquals("fp16 in memory", low.getProp(ImageOutput.PREFIX + "weights"));
        double lowError = CommandFixtures.maxFloatStackError(low, golden);
        System.out.printf("  Text to Image with low_memory: 32-bit max abs error %.3g against diffusers%n", lowError);
        assertTrue(lowError > 0 && lowError <= 1e-2, "max abs error " + lowError);

        MacroHarness.run("run(\"Models and Settings...\", \"threads=0\");");
        MacroHarness.run(textToImage);
        assertEquals(loads + 2, ModelCache.loads(), "the setting's change loads the model again");
        assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, ModelCache.loaded().storageDtype());
        ij.ImagePlus plain = CommandFixtures.newResult(low);
        assertEquals(null, plain.getProp(ImageOutput.PREFIX + "weights"));
        assertTrue(CommandFixtures.maxFloatStackError(plain, golden) <= 1e-4);
    }
}
