package org.sdij.ij;

import java.util.List;
import java.util.Locale;

/**
 * One parameter of a command: its macro key, how it is asked for, its default. The dialog label is the
 * key with a capital first letter (ImageJ shows '_' as a space and records the label's first word as the
 * macro key, so "Negative_prompt" is shown as "Negative prompt" and recorded as {@code negative_prompt}).
 *
 * @param units shown after a numeric field, or as a hint after the label of the other kinds
 * @param min smallest allowed value of a number, or null
 * @param max largest allowed value of a number, or null
 */
public record Field(String key, Type type, Object defaultValue, List<String> choices, String units,
                    Double min, Double max) {

    /** How a value is entered and stored. LONG is entered as text, since a dialog's doubles lose seeds. */
    public enum Type { STRING, DIRECTORY, MODEL, INT, LONG, DOUBLE, CHOICE, BOOL, IMAGE }

    public Field {
        choices = choices == null ? List.of() : List.copyOf(choices);
        if (units == null) units = "";
        defaultValue = normalize(type, key, defaultValue);
        if (type == Type.CHOICE && !choices.contains(defaultValue)) {
            throw new IllegalArgumentException(key + ": default " + defaultValue + " is not one of " + choices);
        }
    }

    public static Field text(String key, String defaultValue) {
        return new Field(key, Type.STRING, defaultValue, null, "", null, null);
    }

    public static Field directory(String key, String defaultValue) {
        return new Field(key, Type.DIRECTORY, defaultValue, null, "", null, null);
    }

    /** A model: a name from the models folder, or a path; the dialog offers the known ones. */
    public static Field model(String key) {
        return new Field(key, Type.MODEL, "", null, "(name or path)", null, null);
    }

    public static Field integer(String key, int defaultValue, int min, Integer max, String units) {
        return new Field(key, Type.INT, (long) defaultValue, null, units, (double) min,
                max == null ? null : max.doubleValue());
    }

    public static Field seed(String key, long defaultValue) {
        return new Field(key, Type.LONG, defaultValue, null, "", null, null);
    }

    public static Field decimal(String key, double defaultValue, double min, Double max, String units) {
        return new Field(key, Type.DOUBLE, defaultValue, null, units, min, max);
    }

    public static Field choice(String key, String defaultValue, String... choices) {
        return new Field(key, Type.CHOICE, defaultValue, List.of(choices), "", null, null);
    }

    public static Field flag(String key, boolean defaultValue) {
        return new Field(key, Type.BOOL, defaultValue, null, "", null, null);
    }

    /** The title of an open image, chosen from the open images. */
    public static Field image(String key) {
        return new Field(key, Type.IMAGE, "", null, "", null, null);
    }

    /**
     * The title of an open image, or one of {@code extras} (listed first, the first the default): choices that
     * are not an image, such as "Estimate from the image".
     */
    public static Field imageOr(String key, String... extras) {
        return new Field(key, Type.IMAGE, extras[0], List.of(extras), "", null, null);
    }

    public Field withUnits(String newUnits) {
        return new Field(key, type, defaultValue, choices, newUnits, min, max);
    }

    public Field withDefault(Object newDefault) {
        return new Field(key, type, newDefault, choices, units, min, max);
    }

    /**
     * The dialog label: the key, capitalised, then the units as a hint for the kinds of field that show
     * none (ImageJ derives the macro key from the label's first word, see {@code ij.Macro.trimKey}).
     */
    public String label() {
        String name = key.substring(0, 1).toUpperCase(Locale.ROOT) + key.substring(1);
        boolean numeric = type == Type.INT || type == Type.DOUBLE;
        return numeric || units.isEmpty() ? name : name + " " + units;
    }

    /** The key's first word: ImageJ macro keys should differ in it. */
    public String firstWord() {
        int underscore = key.indexOf('_');
        return underscore < 0 ? key : key.substring(0, underscore);
    }

    /** A value of this field's Java type (Long, Double, Boolean or String) from a string or another number. */
    public Object value(Object raw) {
        if (raw instanceof String s && !isText()) {
            return parse(s);
        }
        Object v = normalize(type, key, raw);
        return v instanceof Number n && type != Type.LONG ? checkRange(n) : v;
    }

    private static Object normalize(Type type, String key, Object raw) {
        Object v = switch (type) {
            case INT, LONG -> raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? n.longValue() : raw;
            case DOUBLE -> raw instanceof Number n ? n.doubleValue() : raw;
            default -> raw;
        };
        Class<?> expected = switch (type) {
            case INT, LONG -> Long.class;
            case DOUBLE -> Double.class;
            case BOOL -> Boolean.class;
            default -> String.class;
        };
        if (!expected.isInstance(v)) {
            throw new IllegalArgumentException(key + " takes a " + expected.getSimpleName() + ", got " + raw);
        }
        return v;
    }

    /** A value kept as the text given (no parsing). */
    public boolean isText() {
        return type == Type.STRING || type == Type.DIRECTORY || type == Type.MODEL || type == Type.IMAGE;
    }

    /** Parses and checks a value as a macro or the preferences give it; the message names the key. */
    public Object parse(String text) {
        String t = text.trim();
        try {
            switch (type) {
                case STRING, DIRECTORY, MODEL, IMAGE:
                    return text;
                case INT:
                    return checkRange(Long.parseLong(t));
                case LONG:
                    return t.startsWith("-") ? Long.parseLong(t) : Long.parseUnsignedLong(t);
                case DOUBLE: {
                    double d = Double.parseDouble(t);
                    if (!Double.isFinite(d)) throw new NumberFormatException();
                    return checkRange(d);
                }
                case CHOICE:
                    return choiceOf(t);
                case BOOL:
                    if (t.equalsIgnoreCase("true") || t.isEmpty()) return true;
                    if (t.equalsIgnoreCase("false")) return false;
                    throw new IllegalArgumentException(key + " must be true or false, got '" + text + "'");
                default:
                    throw new AssertionError(type);
            }
        } catch (NumberFormatException e) {
            String what = type == Type.DOUBLE ? "a number" : "a whole number";
            throw new IllegalArgumentException(key + " must be " + what + ", got '" + text + "'");
        }
    }

    private String choiceOf(String value) {
        for (String c : choices) {
            if (c.equalsIgnoreCase(value)) return c;
        }
        throw new IllegalArgumentException(key + " must be one of " + String.join(", ", choices)
                + ", got '" + value + "'");
    }

    <N extends Number> N checkRange(N value) {
        double v = value.doubleValue();
        if (min != null && v < min) throw new IllegalArgumentException(key + " must be at least " + show(min) + ", got " + value);
        if (max != null && v > max) throw new IllegalArgumentException(key + " must be at most " + show(max) + ", got " + value);
        return value;
    }

    private static String show(double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }

    /** The value as a macro option or a preference stores it. */
    public String format(Object value) {
        if (type == Type.LONG) return Long.toUnsignedString((Long) value);
        if (type == Type.DOUBLE) {
            double d = (Double) value;
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
        }
        return String.valueOf(value);
    }
}
