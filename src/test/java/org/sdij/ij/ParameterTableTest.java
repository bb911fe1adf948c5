package org.sdij.ij;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lints every command's parameter table and checks how values come from macros and preferences. */
class ParameterTableTest {

    static {
        ImageJHarness.init();
    }

    /** The keys the issue fixes for the commands (the command line's names), and the settings' keys. */
    private static final Set<String> KNOWN_KEYS = Set.of("model", "prompt", "negative_prompt", "seed", "steps",
            "guidance", "sampler", "width", "height", "num_images", "strength", "noise_level", "depth", "estimator", "feather",
            "padding", "paste_back", "device", "slices", "keep_finished", "channels", "output",
            "models_folder", "precision", "threads", "attention_limit", "low_memory", "prompt_syntax", "preview_every");

    @Test
    void keysAreSnakeCaseUniqueAndDifferInTheirFirstWord() {
        for (ParameterTable table : CommandTables.all()) {
            Set<String> keys = new HashSet<>();
            Map<String, String> firstWords = new HashMap<>();
            for (Field f : table.fields()) {
                String where = table.command() + ": " + f.key();
                assertTrue(f.key().matches("[a-z][a-z0-9]*(_[a-z0-9]+)*"), where + " is not snake_case");
                assertTrue(keys.add(f.key()), where + " twice");
                String other = firstWords.put(f.firstWord(), f.key());
                assertNull(other, where + " starts with the same word as " + other);
                assertTrue(KNOWN_KEYS.contains(f.key()), where + " is not a documented key");
                // ImageJ records the label's first word, lower case, as the macro key
                assertEquals(f.key(), ij.Macro.trimKey(f.label()), where + ": label " + f.label());
            }
        }
    }

    @Test
    void everyKeyOfTheIssueIsInSomeTable() {
        Set<String> used = new HashSet<>();
        CommandTables.all().forEach(t -> t.fields().forEach(f -> used.add(f.key())));
        for (String key : List.of("model", "prompt", "negative_prompt", "seed", "steps", "guidance", "sampler",
                "width", "height", "num_images", "strength", "noise_level", "depth", "feather", "padding",
                "paste_back", "device")) {
            assertTrue(used.contains(key), key);
        }
    }

    @Test
    void defaultsParseBackFromTheirOwnFormat() {
        for (ParameterTable table : CommandTables.all()) {
            ParameterTable.Values defaults = table.defaults();
            for (Field f : table.fields()) {
                if (f.type() == Field.Type.BOOL || f.type() == Field.Type.IMAGE) continue;
                Object value = defaults.get(f.key());
                assertEquals(value, f.parse(f.format(value)), table.command() + ": " + f.key());
            }
        }
    }

    @Test
    void macroOptionsRoundTripThroughTheTable() {
        ParameterTable table = CommandTables.INPAINT;
        ParameterTable.Values v = table.defaults()
                .with("prompt", "a [red] car, seed=3 steps=9")
                .with("negative_prompt", "blurry")
                .with("seed", "18446744073709551615")
                .with("steps", 12)
                .with("strength", 0.55)
                .with("paste_back", false)
                .with("model", "/models/my model.safetensors");
        String options = table.macroOptions(v);
        assertEquals(v, table.fromMacro(options), options);
        assertEquals(-1L, v.seed("seed"));
        assertTrue(options.contains("seed=18446744073709551615"), options);
        assertFalse(options.contains("paste_back"), options);
    }

    @Test
    void keysAreFoundWholeWhateverTheirOrder() {
        ParameterTable.Values v = CommandTables.TEXT_TO_IMAGE.fromMacro(
                "negative_prompt=[low quality] prompt=[a cat] steps=3");
        assertEquals("a cat", v.string("prompt"));
        assertEquals("low quality", v.string("negative_prompt"));
        // what ImageJ's own lookup would have given: the reason options are parsed in MacroOptions
        assertEquals("low quality", ij.Macro.getValue("negative_prompt=[low quality] prompt=[a cat]", "prompt", ""));
    }

    @Test
    void leftOutKeysTakeTheTableDefaultsAndCheckboxesAreOff() {
        ParameterTable.Values v = CommandTables.INPAINT.fromMacro("prompt=x");
        assertEquals(50, v.integer("steps"));
        assertEquals(1.0, v.decimal("strength"));
        assertEquals("default", v.string("sampler"));
        assertFalse(v.flag("paste_back"));
        assertTrue(CommandTables.INPAINT.fromMacro("prompt=x paste_back").flag("paste_back"));
    }

    @Test
    void badMacroValuesNameTheKey() {
        ParameterTable t = CommandTables.TEXT_TO_IMAGE;
        assertMessage("Unknown option stepz", () -> t.fromMacro("stepz=3"));
        assertMessage("steps must be at least 1, got 0", () -> t.fromMacro("steps=0"));
        assertMessage("guidance must be a number, got 'high'", () -> t.fromMacro("guidance=high"));
        assertMessage("sampler must be one of default, ddim", () -> t.fromMacro("sampler=heun"));
        assertMessage("steps is given twice", () -> t.fromMacro("steps=3 steps=4"));
        assertEquals("euler_a", t.fromMacro("sampler=EULER_A").string("sampler"));
    }

    @Test
    void rememberedValuesComeFromImageJPreferences() {
        ParameterTable t = CommandTables.UPSCALE;
        ij.Prefs.set(t.prefsKey(t.field("noise_level")), "33");
        ij.Prefs.set(t.prefsKey(t.field("steps")), "not a number");
        ParameterTable.Values v = t.remembered();
        assertEquals(33, v.integer("noise_level"));
        assertEquals(75, v.integer("steps"), "an unreadable preference falls back to the default");
        t.remember(v.with("prompt", "sharp"));
        assertEquals("sharp", ij.Prefs.get("sdij.upscale.prompt", null));
        assertEquals("sharp", t.remembered().string("prompt"));
        t.remember(t.defaults());
    }

    @Test
    void macroLineQuotesForTheMacroLanguage() {
        ParameterTable t = CommandTables.SETTINGS;
        String line = t.macroLine(t.defaults().with("models_folder", "C:\\sd \"models\""));
        assertEquals("run(\"Models and Settings...\", \"models_folder=[C:\\\\sd \\\"models\\\"] device=cpu "
                + "precision=fp32 threads=0 attention_limit=1024 prompt_syntax=a1111 preview_every=1\");", line);
    }

    private static void assertMessage(String start, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }
}
