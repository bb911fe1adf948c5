package org.sdij.ij;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MacroOptionsTest {

    @Test
    void readsPlainBracketedQuotedAndBareOptions() {
        Map<String, String> m = MacroOptions.parse(" model=tiny prompt=[a cat, on a mat] negative_prompt='dark'  paste_back seed=7 ");
        assertEquals(Map.of("model", "tiny", "prompt", "a cat, on a mat", "negative_prompt", "dark",
                "paste_back", "", "seed", "7"), m);
        assertEquals("[model, prompt, negative_prompt, paste_back, seed]", m.keySet().toString());
    }

    @Test
    void bracketsNestAndEmptyValuesStayEmpty() {
        assertEquals(Map.of("prompt", "a [red] car", "negative_prompt", ""),
                MacroOptions.parse("prompt=[a [red] car] negative_prompt=[]"));
    }

    @Test
    void writesWhatItReads() {
        for (String value : new String[] {"tiny", "a cat", "", "x=y", "a [b] c", "it's", "/a b/c.safetensors"}) {
            String option = MacroOptions.option("prompt", value);
            assertEquals(Map.of("prompt", value), MacroOptions.parse(option), option);
        }
        assertEquals("steps=20", MacroOptions.option("steps", "20"));
        assertEquals("prompt=[a cat]", MacroOptions.option("prompt", "a cat"));
    }

    @Test
    void malformedOptionsAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("prompt=[a cat"));
        assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("=3"));
        assertThrows(IllegalArgumentException.class, () -> MacroOptions.option("prompt", "a ] b"));
    }

    @Test
    void runLineEscapesForTheMacroLanguage() {
        assertEquals("run(\"Text to Image...\", \"prompt=[say \\\"hi\\\"]\");",
                MacroOptions.runLine("Text to Image...", "prompt=[say \"hi\"]"));
    }
}
