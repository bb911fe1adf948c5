package org.sdij.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings line of an A1111 parameters text: {@code Key: value} pairs joined by ", ", where a value holding
 * a comma, colon, quote or line break is a JSON string. Both directions, so that one is the other's inverse.
 */
final class ParametersText {

    private ParametersText() {
    }

    /** The value as written: itself, or a JSON string where it would break the line into other pairs. */
    static String quoted(String value) {
        if (value == null) return "null";
        if (value.indexOf(',') < 0 && value.indexOf(':') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0
                && value.indexOf('\r') < 0 && !value.startsWith(" ")) {
            return value;
        }
        StringBuilder s = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20) s.append(String.format("\\u%04x", (int) c));
                    else s.append(c);
                }
            }
        }
        return s.append('"').toString();
    }

    /** The pairs of a settings line, in order. */
    static Map<String, String> settings(String line) {
        Map<String, String> pairs = new LinkedHashMap<>();
        int i = 0;
        while (i < line.length()) {
            int colon = line.indexOf(": ", i);
            if (colon < 0) throw new IllegalArgumentException("the parameters' settings line has no 'Key: value' at '"
                    + line.substring(i) + "'");
            String key = line.substring(i, colon);
            int start = colon + 2;
            int end;
            String value;
            if (start < line.length() && line.charAt(start) == '"') {
                StringBuilder v = new StringBuilder();
                end = unquote(line, start + 1, v);
                value = v.toString();
            } else {
                end = line.indexOf(", ", start);
                if (end < 0) end = line.length();
                value = line.substring(start, end);
            }
            pairs.put(key, value);
            if (end < line.length() && !line.startsWith(", ", end)) {
                throw new IllegalArgumentException("the parameters' value of " + key + " is followed by '"
                        + line.substring(end) + "' instead of ', '");
            }
            i = end + 2;
        }
        return pairs;
    }

    /** Reads a JSON string's characters after its opening quote into {@code into}; the index after its closing quote. */
    private static int unquote(String line, int i, StringBuilder into) {
        while (i < line.length()) {
            char c = line.charAt(i++);
            if (c == '"') return i;
            if (c != '\\') {
                into.append(c);
                continue;
            }
            if (i >= line.length()) break;
            char e = line.charAt(i++);
            switch (e) {
                case 'n' -> into.append('\n');
                case 'r' -> into.append('\r');
                case 't' -> into.append('\t');
                case 'u' -> {
                    into.append((char) Integer.parseInt(line.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> into.append(e); // \" \\ \/
            }
        }
        throw new IllegalArgumentException("the parameters' settings line has a quoted value without its closing quote");
    }

    /** The value of a setting every parameters text has, removed from {@code settings}. */
    static String take(Map<String, String> settings, String key) {
        String v = settings.remove(key);
        if (v == null) throw new IllegalArgumentException("the parameters text gives no " + key);
        return v;
    }
}
