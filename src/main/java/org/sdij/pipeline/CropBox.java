package org.sdij.pipeline;

/**
 * A rectangle of an image, [x, x + width) x [y, y + height): the region only-masked inpainting works on.
 * The caller crops it, inpaints it at the model's resolution, scales it back to this box and pastes it
 * through the mask ({@link InpaintMasks#composite}), so a small region of a large image costs one run.
 */
public record CropBox(int x, int y, int width, int height) {

    public CropBox {
        if (x < 0 || y < 0 || width <= 0 || height <= 0) {
            throw new IllegalArgumentException("crop box " + width + "x" + height + " at " + x + "," + y);
        }
    }

    /**
     * The box around the mask's pixels to repaint (values >= 0.5), grown by {@code paddingPx} on every side
     * and clamped to the image, then grown to a multiple of {@code multipleOf} in each direction (centred,
     * shifted back inside the image where it would leave it).
     *
     * <p>Never cuts the mask: where the image is too small for the next multiple, the box takes the
     * largest multiple that fits if that still holds the mask (losing some padding), else the image's whole
     * width or height, which is then not a multiple (the caller resizes the crop anyway).
     *
     * @throws IllegalArgumentException for an empty mask (nothing to inpaint), a mask of another size, a
     *                                  negative padding or a multiple below 1
     */
    public static CropBox around(float[] mask, int paddingPx, int multipleOf, int imageWidth, int imageHeight) {
        if (imageWidth <= 0 || imageHeight <= 0 || mask.length != (long) imageWidth * imageHeight) {
            throw new IllegalArgumentException("mask of " + mask.length + " values for a " + imageWidth + "x"
                    + imageHeight + " image");
        }
        if (paddingPx < 0 || multipleOf < 1) {
            throw new IllegalArgumentException("padding " + paddingPx + " and multiple " + multipleOf);
        }
        int left = imageWidth;
        int right = -1;
        int top = imageHeight;
        int bottom = -1;
        for (int y = 0; y < imageHeight; y++) {
            for (int x = 0; x < imageWidth; x++) {
                if (mask[y * imageWidth + x] >= 0.5f) {
                    left = Math.min(left, x);
                    right = Math.max(right, x);
                    top = Math.min(top, y);
                    bottom = Math.max(bottom, y);
                }
            }
        }
        if (right < 0) throw new IllegalArgumentException("the mask is empty: nothing to inpaint");
        int[] xs = span(left, right + 1, paddingPx, multipleOf, imageWidth);
        int[] ys = span(top, bottom + 1, paddingPx, multipleOf, imageHeight);
        return new CropBox(xs[0], ys[0], xs[1] - xs[0], ys[1] - ys[0]);
    }

    /** [start, end) on one axis of the given size holding [from, to) of the mask. */
    private static int[] span(int from, int to, int padding, int multiple, int size) {
        int start = Math.max(0, from - padding);
        int end = Math.min(size, to + padding);
        int length = roundUp(end - start, multiple);
        if (length > size) {
            length = size / multiple * multiple;
            if (length < to - from || length == 0) return new int[] {0, size};
            start = from - (length - (to - from)) / 2;
        } else {
            start -= (length - (end - start)) / 2;
        }
        start = Math.max(0, Math.min(start, size - length));
        return new int[] {start, start + length};
    }

    private static int roundUp(int length, int multiple) {
        return (length + multiple - 1) / multiple * multiple;
    }

    /** This box's part of one plane of an image imageWidth wide, row-major. */
    public float[] crop(float[] plane, int imageWidth) {
        if (x + width > imageWidth || (long) (y + height) * imageWidth > plane.length) {
            throw new IllegalArgumentException(this + " does not fit a plane " + imageWidth + " wide of "
                    + plane.length + " values");
        }
        float[] out = new float[width * height];
        for (int row = 0; row < height; row++) {
            System.arraycopy(plane, (y + row) * imageWidth + x, out, row * width, width);
        }
        return out;
    }

    public RgbImage crop(RgbImage image) {
        float[][] planes = new float[3][];
        for (int c = 0; c < 3; c++) planes[c] = crop(image.planes()[c], image.width());
        return new RgbImage(width, height, planes);
    }

    /** A copy of {@code background} with {@code piece} (this box's size) written into this box. */
    public RgbImage pasteInto(RgbImage background, RgbImage piece) {
        if (piece.width() != width || piece.height() != height) {
            throw new IllegalArgumentException("piece " + piece.width() + "x" + piece.height() + " for " + this);
        }
        if (x + width > background.width() || y + height > background.height()) {
            throw new IllegalArgumentException(this + " does not fit a " + background.width() + "x"
                    + background.height() + " image");
        }
        float[][] planes = new float[3][];
        for (int c = 0; c < 3; c++) {
            planes[c] = background.planes()[c].clone();
            for (int row = 0; row < height; row++) {
                System.arraycopy(piece.planes()[c], row * width, planes[c], (y + row) * background.width() + x, width);
            }
        }
        return new RgbImage(background.width(), background.height(), planes);
    }
}
