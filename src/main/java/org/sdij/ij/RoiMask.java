package org.sdij.ij;

import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;

import java.awt.Rectangle;

/**
 * A selection's shape as an inpainting mask over a region of the image: 1 (white, 255) where the model
 * repaints, 0 elsewhere. The shape is ImageJ's own rasterisation ({@link Roi#getMask()}), so the mask
 * covers exactly the pixels ImageJ's Fill would; composite selections (with holes) work the same way.
 * Feathering, padding and paste-back belong to the inpainting pipeline, which the command line shares.
 */
public final class RoiMask {

    private RoiMask() {
    }

    /** The mask over {@code region} (e.g. from {@link ImageInput#region}, or a padded box), row-major. */
    public static float[] of(Roi roi, Rectangle region) {
        float[] mask = new float[region.width * region.height];
        Rectangle b = roi.getBounds();
        ImageProcessor shape = roi.getMask(); // null for a plain rectangle: all of its bounds
        int shapeWidth = shape == null ? b.width : shape.getWidth();
        int shapeHeight = shape == null ? b.height : shape.getHeight();
        for (int y = 0; y < region.height; y++) {
            int by = region.y + y - b.y;
            if (by < 0 || by >= shapeHeight) continue;
            for (int x = 0; x < region.width; x++) {
                int bx = region.x + x - b.x;
                if (bx < 0 || bx >= shapeWidth) continue;
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
}
