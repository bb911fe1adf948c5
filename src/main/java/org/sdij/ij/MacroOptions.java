package org.sdij.ij;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes ImageJ macro option strings: {@code key=value}, {@code key=[value with spaces]},
 * {@code key='value'}, and a bare {@code key} for a ticked checkbox.
 *
 * <p>ImageJ's own {@code Macro.getValue} finds the first {@code "key="} not preceded by a letter, so
 * {@code prompt=} matches inside {@code negative_prompt=} and inside a prompt's own text. Options are
 * therefore split into whole tokens here, once, and every command reads them through this class.
 * Brackets nest, so a prompt may hold balanced brackets such as {@code [a [red] car]}.
 */
public final class MacroOptions {

    private MacroOptions() {
    }

    /** Key to raw value, in the order given; a bare key maps to "". Repeated keys are an error. */
    public static Map<String, String> parse(String options) {
        Map<String, String> values = new LinkedHashMap<>();
        if (options == null) return values;
        int i = 0;
        int n = options.length();
        while (true) {
            while (i < n && Character.isWhitespace(options.charAt(i))) i++;
            if (i >= n) return values;
            int keyStart = i;
            while (i < n && options.charAt(i) != '=' && !Character.isWhitespace(options.charAt(i))) i++;
            String key = options.substring(keyStart, i);
            String value = "";
            if (i < n && options.charAt(i) == '=') {
                i++;
                int end;
                if (i < n && options.charAt(i) == '[') {
                    end = closingBracket(options, i);
                    value = options.substring(i + 1, end);
                    i = end + 1;
                } else if (i < n && options.charAt(i) == '\'') {
                    end = options.indexOf('\'', i + 1);
                    if (end < 0) throw new IllegalArgumentException("Unclosed ' in the value of " + key);
                    value = options.substring(i + 1, end);
                    i = end + 1;
                } else {
                    int start = i;
                    while (i < n && !Character.isWhitespace(options.charAt(i))) i++;
                    value = options.substring(start, i);
                }
            }
            if (key.isEmpty()) throw new IllegalArgumentException("A value without a key in '" + options.trim() + "'");
            if (values.put(key, value) != null) throw new IllegalArgumentException(key + " is given twice");
        }
    }

    private static int closingBracket(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[') depth++;
            else if (c == ']' && --depth == 0) return i;
        }
        throw new IllegalArgumentException("Unclosed [ in '" + s.trim() + "'");
    }

    /** One {@code key=value} token, bracketed when the value needs it (as ImageJ's Recorder does). */
    public static String option(String key, String value) {
        boolean plain = !value.isEmpty() && value.chars().noneMatch(c -> Character.isWhitespace(c)
                || c == '[' || c == ']' || c == '\'' || c == '=');
        if (plain) return key + "=" + value;
        if (!balanced(value)) {
            throw new IllegalArgumentException("The value of " + key + " has unbalanced brackets: " + value);
        }
        return key + "=[" + value + "]";
    }

    private static boolean balanced(String value) {
        int depth = 0;
        for (char c : value.toCharArray()) {
            if (c == '[') depth++;
            else if (c == ']' && --depth < 0) return false;
        }
        return depth == 0;
    }

    /** A macro line that runs a menu command with these options. */
    public static String runLine(String command, String options) {
        return "run(\"" + command + "\", \"" + escape(options) + "\");";
    }

    /** The text as a macro string literal's content (quotes and backslashes escaped). */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
