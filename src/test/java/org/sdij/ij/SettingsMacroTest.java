package org.sdij.ij;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Models and Settings... run as a macro string through ImageJ's interpreter, found through plugins.config. */
class SettingsMacroTest {

    static {
        ImageJHarness.init();
    }

    @AfterEach
    void restoreDefaults() {
        CommandTables.SETTINGS.remember(CommandTables.SETTINGS.defaults());
    }

    @Test
    void pluginsConfigPutsEveryCommandOnTheMenuAndEveryClassExists() throws Exception {
        assertEquals(SettingsCommand.class.getName(), MacroHarness.commandClass("Models and Settings..."));
        assertEquals(java.util.List.of("Text to Image...", "Image to Image...", "Inpaint Selection...",
                "Depth to Image...", "Upscale 4x...", "Reproduce from Metadata...", "Models and Settings..."), java.util.List.copyOf(HeadlessMacro.entries().keySet()));
        for (var entry : HeadlessMacro.entries().entrySet()) {
            assertEquals(entry.getValue(), MacroHarness.commandClass(entry.getKey()), entry.getKey());
            Class<?> command = Class.forName(entry.getValue());
            assertTrue(ij.plugin.PlugIn.class.isAssignableFrom(command), entry.getValue() + " is no PlugIn");
        }
    }

    @Test
    void aMacroStoresTheSettingsInImageJPreferences() {
        MacroHarness.run("run(\"Models and Settings...\", "
                + "\"models_folder=[/tmp/sd models] device=gpu precision=fp16 threads=2 attention_limit=512\");");
        assertEquals("/tmp/sd models", ij.Prefs.get("sdij.settings.models_folder", null));
        assertEquals("2", ij.Prefs.get("sdij.settings.threads", null));
        Settings s = Settings.current();
        assertEquals(new Settings("/tmp/sd models", "gpu", "fp16", 2, 512), s);
        assertEquals("cpu", s.deviceFor("cpu"));
        assertEquals("gpu", s.deviceFor("settings"));
    }

    @Test
    void theExampleMacroRunsWithAnArgument() throws Exception {
        String macro = java.nio.file.Files.readString(java.nio.file.Path.of("macros/models_and_settings.ijm"));
        MacroHarness.run(macro, "/data/sd models");
        assertEquals("/data/sd models", Settings.current().modelsFolder());
    }

    @Test
    void leftOutKeysGetTheDefaults() {
        MacroHarness.run("run(\"Models and Settings...\", \"threads=3\");");
        assertEquals(new Settings("", "cpu", "fp32", 3, 1024), Settings.current());
    }

    @Test
    void aBadValueStopsTheMacroAndStoresNothing() {
        AssertionError e = assertThrows(AssertionError.class, () -> MacroHarness.run(
                "run(\"Models and Settings...\", \"threads=-1\");\nrun(\"Models and Settings...\", \"threads=5\");"));
        assertTrue(e.getMessage().contains("threads must be at least 0, got -1"), e.getMessage());
        assertEquals(0, Settings.current().threads());
    }
}
