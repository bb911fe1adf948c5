package org.sdij.text;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The emphasis syntax of AUTOMATIC1111's web UI, giving the same pieces and weights as its
 * {@code parse_prompt_attention}:
 * <ul>
 *   <li>{@code (text)} multiplies the weight of the text by 1.1, {@code [text]} by 1 / 1.1; they nest
 *       ({@code ((text))} is 1.21), and a bracket left open applies to the rest of the prompt;</li>
 *   <li>{@code (text:1.5)} multiplies it by the number;</li>
 *   <li>{@code \(}, {@code \)}, {@code \[}, {@code \]} and {@code \\} are the characters themselves; a backslash
 *       before anything else is dropped;</li>
 *   <li>a closing bracket with nothing open, and a colon outside {@code (text:number)}, are plain text;</li>
 *   <li>the word {@code BREAK} (upper case, on its own) ends the current chunk of 75 tokens.</li>
 * </ul>
 * Neighbouring pieces of equal weight are merged, so a prompt without brackets is one piece of weight 1.
 * Two deliberate differences: a {@code BREAK} inside brackets still breaks (A1111 then gives it a weight and
 * encodes the word "BREAK"), and a weight that is not a number, such as {@code (a:1.2.3)}, is refused with a
 * message (A1111 fails on it with a Python error).
 */
public final class PromptParser {
    private PromptParser() {}

    /** One piece of the prompt and its weight, or a chunk break. */
    public record Piece(String text, double weight, boolean chunkBreak) {
        public static Piece text(String text, double weight) {
            return new Piece(text, weight, false);
        }

        public static final Piece BREAK = new Piece("BREAK", 1.0, true);

        @Override
        public String toString() {
            return chunkBreak ? "BREAK" : "[" + text + ", " + weight + "]";
        }
    }

    public static final double ROUND_MULTIPLIER = 1.1;
    public static final double SQUARE_MULTIPLIER = 1 / 1.1;

    /** BREAK with the white space around it; Python's \s and \b are Unicode-aware, so these are too. */
    private static final Pattern BREAK = Pattern.compile("\\s*\\bBREAK\\b\\s*", Pattern.UNICODE_CHARACTER_CLASS);
    private static final String SPECIAL = "\\()[]:";

    /** The prompt's pieces in order; never empty (an empty prompt is one empty piece of weight 1). */
    public static List<Piece> parse(String prompt) {
        List<Piece> pieces = new ArrayList<>();
        Deque<Integer> round = new ArrayDeque<>();
        Deque<Integer> square = new ArrayDeque<>();
        int i = 0;
        int n = prompt.length();
        while (i < n) {
            char c = prompt.charAt(i);
            if (c == '\\') {
                boolean escapes = i + 1 < n && "()[]\\".indexOf(prompt.charAt(i + 1)) >= 0;
                pieces.add(Piece.text(escapes ? String.valueOf(prompt.charAt(i + 1)) : "", 1.0));
                i += escapes ? 2 : 1;
            } else if (c == '(') {
                round.push(pieces.size());
                i++;
            } else if (c == '[') {
                square.push(pieces.size());
                i++;
            } else if (c == ':' && weightEnd(prompt, i) > 0 && !round.isEmpty()) {
                int end = weightEnd(prompt, i);
                multiply(pieces, round.pop(), weight(prompt, i + 1, end));
                i = end + 1;
            } else if (c == ')' && !round.isEmpty()) {
                multiply(pieces, round.pop(), ROUND_MULTIPLIER);
                i++;
            } else if (c == ']' && !square.isEmpty()) {
                multiply(pieces, square.pop(), SQUARE_MULTIPLIER);
                i++;
            } else {
                int end = plainTextEnd(prompt, i);
                addText(pieces, prompt.substring(i, end));
                i = end;
            }
        }
        // brackets left open apply to the rest, the oldest first, round before square (as A1111's lists)
        for (var it = round.descendingIterator(); it.hasNext(); ) multiply(pieces, it.next(), ROUND_MULTIPLIER);
        for (var it = square.descendingIterator(); it.hasNext(); ) multiply(pieces, it.next(), SQUARE_MULTIPLIER);
        if (pieces.isEmpty()) pieces.add(Piece.text("", 1.0));
        return merged(pieces);
    }

    /**
     * Where the text piece starting at {@code start} ends: a run of ordinary characters, or one special
     * character that is plain text here (a stray {@code )}, {@code ]}, {@code :}, or {@code :1.5)} with no
     * open round bracket).
     */
    private static int plainTextEnd(String prompt, int start) {
        char c = prompt.charAt(start);
        if (c == ':') {
            int weightEnd = weightEnd(prompt, start);
            return weightEnd > 0 ? weightEnd + 1 : start + 1;
        }
        if (c == ')' || c == ']') return start + 1;
        int end = start;
        while (end < prompt.length() && SPECIAL.indexOf(prompt.charAt(end)) < 0) end++;
        return end;
    }

    /** For {@code :number)} at {@code colon}: the index of the ')'; else -1. The number is [+-]?[.0-9]+. */
    private static int weightEnd(String prompt, int colon) {
        int i = colon + 1;
        if (i < prompt.length() && (prompt.charAt(i) == '+' || prompt.charAt(i) == '-')) i++;
        int digits = i;
        while (i < prompt.length() && (Character.isDigit(prompt.charAt(i)) && prompt.charAt(i) < 128
                || prompt.charAt(i) == '.')) {
            i++;
        }
        return i > digits && i < prompt.length() && prompt.charAt(i) == ')' ? i : -1;
    }

    private static double weight(String prompt, int start, int end) {
        String number = prompt.substring(start, end);
        try {
            return Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the weight in '" + prompt.substring(start - 1, end + 1)
                    + "' is not a number: write one such as (word:1.2), or \\( \\) for literal brackets");
        }
    }

    private static void addText(List<Piece> pieces, String text) {
        String[] parts = BREAK.split(text, -1);
        for (int p = 0; p < parts.length; p++) {
            if (p > 0) pieces.add(Piece.BREAK);
            pieces.add(Piece.text(parts[p], 1.0));
        }
    }

    private static void multiply(List<Piece> pieces, int from, double multiplier) {
        for (int p = from; p < pieces.size(); p++) {
            Piece piece = pieces.get(p);
            if (!piece.chunkBreak()) pieces.set(p, Piece.text(piece.text(), piece.weight() * multiplier));
        }
    }

    /** Runs of equal weight as one piece; breaks stay apart. */
    private static List<Piece> merged(List<Piece> pieces) {
        List<Piece> out = new ArrayList<>();
        for (Piece piece : pieces) {
            Piece last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && !last.chunkBreak() && !piece.chunkBreak() && last.weight() == piece.weight()) {
                out.set(out.size() - 1, Piece.text(last.text() + piece.text(), last.weight()));
            } else {
                out.add(piece);
            }
        }
        return out;
    }
}
