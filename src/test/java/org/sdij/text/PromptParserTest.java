package org.sdij.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdij.text.PromptParser.Piece;

/**
 * The emphasis parser against the parse results documented in AUTOMATIC1111's {@code parse_prompt_attention}
 * (modules/prompt_parser.py), weights compared exactly, and the rules it states for escapes, nesting and BREAK.
 */
class PromptParserTest {

    /** Pieces as alternating text and weight, "BREAK" alone for a break. */
    private static List<Piece> pieces(Object... textsAndWeights) {
        List<Piece> out = new ArrayList<>();
        for (int i = 0; i < textsAndWeights.length; i++) {
            if (textsAndWeights[i] == Piece.BREAK) {
                out.add(Piece.BREAK);
            } else {
                out.add(Piece.text((String) textsAndWeights[i], (Double) textsAndWeights[++i]));
            }
        }
        return out;
    }

    @Test
    void a1111DocumentedExamples() {
        assertEquals(pieces("normal text", 1.0), PromptParser.parse("normal text"));
        assertEquals(pieces("an ", 1.0, "important", 1.1, " word", 1.0), PromptParser.parse("an (important) word"));
        assertEquals(pieces("unbalanced", 1.1), PromptParser.parse("(unbalanced"));
        assertEquals(pieces("(literal]", 1.0), PromptParser.parse("\\(literal\\]"));
        assertEquals(pieces("unnecessaryparens", 1.1), PromptParser.parse("(unnecessary)(parens)"));
        assertEquals(pieces("a ", 1.0, "house", 1.5730000000000004, " ", 1.1, "on", 1.0, " a ", 1.1, "hill", 0.55,
                        ", sun, ", 1.1, "sky", 1.4641000000000006, ".", 1.1),
                PromptParser.parse("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky)))."));
    }

    @Test
    void bracketsMultiplyAndNest() {
        assertEquals(pieces("word", 1.1 * 1.1), PromptParser.parse("((word))"));
        assertEquals(pieces("word", 1 / 1.1), PromptParser.parse("[word]"));
        assertEquals(pieces("word", 1 / 1.1 * (1 / 1.1)), PromptParser.parse("[[word]]"));
        assertEquals(pieces("a ", 1.0, "word", 1.5, " b", 1.0), PromptParser.parse("a (word:1.5) b"));
        assertEquals(pieces("word", 0.5 * 1.1), PromptParser.parse("((word:0.5))"));
        assertEquals(pieces("x ", 1.1, "y", 1.1 * 2, " z", 1.1), PromptParser.parse("(x (y:2) z)"));
        assertEquals(pieces("a", 1.0, "b", 1.1 * 1.1 * (1 / 1.1)), PromptParser.parse("a[((b"),
                "brackets left open apply to the rest, round first");
        assertEquals(pieces("neg", -1.0), PromptParser.parse("(neg:-1)"));
        assertEquals(pieces("w", 0.5, "v", 2.0), PromptParser.parse("(w:.5)(v:+2.)"));
    }

    @Test
    void escapesStrayBracketsAndColonsAreText() {
        assertEquals(pieces("a (b) [c] \\ d", 1.0), PromptParser.parse("a \\(b\\) \\[c\\] \\\\ d"));
        assertEquals(pieces("ab", 1.0), PromptParser.parse("a\\b"), "a backslash before anything else is dropped");
        assertEquals(pieces("a) b] c", 1.0), PromptParser.parse("a) b] c"));
        assertEquals(pieces("a:b", 1.1), PromptParser.parse("(a:b)"));
        assertEquals(pieces("ratio 16:9", 1.0), PromptParser.parse("ratio 16:9"));
        assertEquals(pieces("x:1.5)", 1.0), PromptParser.parse("x:1.5)"), "a weight with no open bracket is text");
        assertEquals(pieces("", 1.0), PromptParser.parse(""));
        assertEquals(pieces("", 1.0), PromptParser.parse("()"));
    }

    @Test
    void breakSplitsAndEatsTheSpaceAroundIt() {
        assertEquals(pieces("a", 1.0, Piece.BREAK, "b", 1.0), PromptParser.parse("a BREAK b"));
        assertEquals(pieces("a", 1.0, Piece.BREAK, "b", 1.0), PromptParser.parse("a\n BREAK\tb"));
        assertEquals(pieces("", 1.0, Piece.BREAK, "a", 1.0), PromptParser.parse("BREAK a"));
        assertEquals(pieces("a", 1.0, Piece.BREAK, "", 1.0, Piece.BREAK, "b", 1.0),
                PromptParser.parse("a BREAK BREAK b"));
        assertEquals(pieces("BREAKfast, break, Break", 1.0), PromptParser.parse("BREAKfast, break, Break"));
        assertEquals(pieces("a", 1.1, Piece.BREAK, "b", 1.1), PromptParser.parse("(a BREAK b)"),
                "a BREAK inside brackets still breaks");
    }

    @Test
    void aWeightThatIsNoNumberIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromptParser.parse("a (cat:1.2.3) b"));
        assertEquals("the weight in ':1.2.3)' is not a number: write one such as (word:1.2), or \\( \\) for literal"
                + " brackets", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PromptParser.parse("(cat:.)"));
    }

    @Test
    void aPromptWithoutSyntaxIsOnePieceOfItself() {
        for (String prompt : List.of("a photograph of an astronaut riding a horse", "red, green: blue!", "x")) {
            assertEquals(pieces(prompt, 1.0), PromptParser.parse(prompt));
        }
    }
}
