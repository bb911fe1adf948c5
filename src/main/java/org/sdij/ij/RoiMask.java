package org.sdij.ij;

import ij.gui.Roi;
import ij.plugin.filter.GaussianBlur;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;

import java.awt.Rectangle;

/**
 * A selection's shape as an inpainting mask over a region of the image: 1 (white, 255) where the model
 * repaints, 0 elsewhere. The shape is ImageJ's own rasterisation ({@link Roi#getMask()}), so the mask
 * covers exactly the pixels ImageJ's Fill would; composite selections (with holes) work the same way.
 */
public final class RoiMask {

    private RoiMask() {
    }

    /** The mask over {@code region} (e.g. from {@link ImageInput#region}, or a padded box), row-major. */
    public static float[] of(Roi roi, Rectangle region) {
        float[] mask = new float[region.width * region.height];
        Rectangle b = roi.getBounds();
        ImageProcessor shape = roi.getMask(); // null for a plain rectangle: all of its bounds
        for (int y = 0; y < region.height; y++) {
            int by = region.y + y - b.y;
            if (by < 0 || by >= b.height) continue;
            for (int x = 0; x < region.width; x++) {
                int bx = region.x + x - b.x;
                if (bx < 0 || bx >= b.width) continue;
                if (shape == null || shape.get(bx, by) != 0) mask[y * region.width + x] = 1f;
            }
        }
        return mask;
    }

    /** The same mask as bytes, 255 = repaint, as the command line reads mask files. */
    public static ByteProcessor asBytes(float[] mask, int width, int height) {
        byte[] pixels = new byte[mask.length];
        for (int i = 0; i < mask.length; i++) pixels[i] = (byte) Math.round(Math.max(0f, Math.min(1f, mask[i])) * 255f);
        return new ByteProcessor(width, height, pixels);
    }

    /**
     * A soft copy of the mask for pasting back: a Gaussian blur of sigma = feather / 2 (so the edge
     * ramps over about {@code feather} pixels each way). feather 0 returns a copy of the hard mask.
     */
    public static float[] feathered(float[] mask, int width, int height, int feather) {
        float[] soft = mask.clone();
        if (feather <= 0) return soft;
        FloatProcessor fp = new FloatProcessor(width, height, soft);
        GaussianBlur blur = new GaussianBlur();
        blur.showProgress(false);
        blur.blurGaussian(fp, feather / 2.0, feather / 2.0, 0.002);
        return soft;
    }

    /** The selection's bounds grown by {@code padding} on every side and kept inside the image. */
    public static Rectangle padded(Rectangle bounds, int padding, int imageWidth, int imageHeight) {
        Rectangle grown = new Rectangle(bounds.x - padding, bounds.y - padding,
                bounds.width + 2 * padding, bounds.height + 2 * padding);
        return grown.intersection(new Rectangle(0, 0, imageWidth, imageHeight));
    }
}
