package org.sdij.ij;

import java.util.Locale;

/**
 * How one input channel's values were mapped to the core's [0, 1]: linearly from the display range
 * [min, max] (values outside are clipped). Written into the output's metadata so the mapping can be
 * undone, e.g. to bring a generated image back to the 16-bit values of its input.
 *
 * @param bitDepth 8, 16, 24 (RGB) or 32, as ImageJ counts it
 */
public record IntensityMapping(double min, double max, int bitDepth) {

    /** RGB and unscaled 8-bit: value / 255. */
    public static final IntensityMapping BYTE = new IntensityMapping(0, 255, 8);

    public IntensityMapping {
        if (!(max >= min)) throw new IllegalArgumentException("display range " + min + ".." + max);
    }

    /** A value in [0, 1]; NaN maps to 0, and a range of zero width maps everything to 0. */
    public float toUnit(double value) {
        if (Double.isNaN(value) || max == min) return 0f;
        double u = (value - min) / (max - min);
        return (float) Math.max(0, Math.min(1, u));
    }

    /** The input value a unit value stands for (unclipped beyond what toUnit clipped). */
    public double fromUnit(double unit) {
        return min + unit * (max - min);
    }

    /** "min=12 max=3400 bit_depth=16", the form written into metadata; {@link #parse} reads it back. */
    public String describe() {
        return String.format(Locale.ROOT, "min=%s max=%s bit_depth=%d", number(min), number(max), bitDepth);
    }

    public static IntensityMapping parse(String text) {
        var values = MacroOptions.parse(text);
        try {
            return new IntensityMapping(Double.parseDouble(values.get("min")), Double.parseDouble(values.get("max")),
                    Integer.parseInt(values.get("bit_depth")));
        } catch (NullPointerException | NumberFormatException e) {
            throw new IllegalArgumentException("Not an intensity mapping: '" + text + "'");
        }
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
