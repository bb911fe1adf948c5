package org.sdij.pipeline;

/** Pictures and masks that tests make themselves, so that what they check holds whatever a reference set holds. */
public final class TestPictures {
    private TestPictures() {}

    /** A smooth colour picture: red rises left to right, green top to bottom, blue a gentle wave. */
    public static RgbImage smooth(int width, int height) {
        RgbImage image = RgbImage.blank(width, height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                image.planes()[0][i] = (float) x / width;
                image.planes()[1][i] = (float) y / height;
                image.planes()[2][i] = (float) (0.5 + 0.4 * Math.sin(x * 0.3) * Math.cos(y * 0.2));
            }
        }
        return image;
    }

    /** A mask of {@code width} x {@code height}, 1 in columns x0..x1 and rows y0..y1 (inclusive), 0 elsewhere. */
    public static Plane rectangle(int width, int height, int x0, int y0, int x1, int y1) {
        float[] mask = new float[width * height];
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) mask[y * width + x] = 1f;
        }
        return new Plane(width, height, mask);
    }
}
