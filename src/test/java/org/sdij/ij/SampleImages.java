package org.sdij.ij;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Small ImageJ images with known values for the conversion tests (not a test class itself). */
final class SampleImages {

    static {
        ImageJHarness.init();
    }

    private SampleImages() {
    }

    /** value(x, y, plane) fills every plane; plane is the 0-based stack index. */
    interface Values {
        double at(int x, int y, int plane);
    }

    static ImagePlus gray(int bitDepth, int width, int height, int planes, Values values) {
        ImageStack stack = new ImageStack(width, height);
        for (int p = 0; p < planes; p++) {
            ImageProcessor ip = switch (bitDepth) {
                case 8 -> new ByteProcessor(width, height);
                case 16 -> new ShortProcessor(width, height);
                case 32 -> new FloatProcessor(width, height);
                default -> throw new IllegalArgumentException("bit depth " + bitDepth);
            };
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) ip.putPixelValue(x, y, values.at(x, y, p));
            }
            stack.addSlice("plane " + (p + 1), ip);
        }
        ImagePlus imp = new ImagePlus("gray" + bitDepth, stack);
        if (bitDepth == 8) imp.setDisplayRange(0, 255);
        return imp;
    }

    static ImagePlus rgb(int width, int height, int planes) {
        ImageStack stack = new ImageStack(width, height);
        for (int p = 0; p < planes; p++) {
            int[] pixels = new int[width * height];
            for (int i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + p) % 256 << 16 | (i * 13) % 256 << 8 | (255 - i % 256);
            stack.addSlice("rgb " + (p + 1), new ColorProcessor(width, height, pixels));
        }
        return new ImagePlus("rgb", stack);
    }

    /** A 16-bit composite of the given channels x slices x frames; channel c holds 1000 * c + x + y + 100 * plane. */
    static CompositeImage composite(int width, int height, int channels, int slices, int frames) {
        ImagePlus imp = gray(16, width, height, channels * slices * frames, (x, y, p) -> 1000 * (p % channels + 1) + x + y + 100 * p);
        imp.setDimensions(channels, slices, frames);
        imp.setOpenAsHyperStack(true);
        return new CompositeImage(imp, CompositeImage.COMPOSITE);
    }

    /** Copies of every plane's pixel array, to compare before and after. */
    static List<Object> snapshot(ImagePlus imp) {
        List<Object> copies = new ArrayList<>();
        ImageStack stack = imp.getStack();
        for (int i = 1; i <= stack.getSize(); i++) {
            Object pixels = stack.getPixels(i);
            if (pixels instanceof byte[] b) copies.add(b.clone());
            else if (pixels instanceof short[] s) copies.add(s.clone());
            else if (pixels instanceof float[] f) copies.add(f.clone());
            else if (pixels instanceof int[] n) copies.add(n.clone());
            else throw new IllegalStateException(pixels.getClass().toString());
        }
        return copies;
    }

    static boolean samePixels(List<Object> before, ImagePlus imp) {
        List<Object> after = snapshot(imp);
        if (after.size() != before.size()) return false;
        for (int i = 0; i < after.size(); i++) {
            if (!Arrays.deepEquals(new Object[] {before.get(i)}, new Object[] {after.get(i)})) return false;
        }
        return true;
    }
}
