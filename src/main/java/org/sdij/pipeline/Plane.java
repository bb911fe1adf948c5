package org.sdij.pipeline;

/**
 * One channel of values, row-major ({@code values[y * width + x]}): an inpainting mask (values in [0, 1],
 * 0.5 and up repainted) or a depth map (any units and range).
 */
public record Plane(int width, int height, float[] values) {

    public Plane {
        if (width <= 0 || height <= 0 || values.length != (long) width * height) {
            throw new IllegalArgumentException("a " + width + "x" + height + " plane cannot hold " + values.length
                    + " values");
        }
    }

    public String size() {
        return width + "x" + height;
    }
}
