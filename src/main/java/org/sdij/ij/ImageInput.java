package org.sdij.ij;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;
import org.sdij.pipeline.RgbImage;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The active image as the core's {@link RgbImage}s: one per stack position (the current one or all),
 * cropped to a region. Grayscale values go through the display range into [0, 1] (the mapping is kept,
 * see {@link IntensityMapping}); RGB is value / 255; a composite gives up to three chosen channels as
 * R, G, B (one channel gives gray, two leave B black). The image itself is only read.
 */
public final class ImageInput {

    private ImageInput() {
    }

    /**
     * One converted position.
     *
     * @param region the part of the image that was read, in pixels
     * @param z slice, 1-based
     * @param t frame, 1-based
     * @param channels the input channels that became R, G, B (1-based; empty for an RGB image)
     * @param mappings one per entry of channels (one for an RGB image)
     */
    public record Converted(RgbImage image, Rectangle region, int z, int t, int[] channels,
                            List<IntensityMapping> mappings) {

        /** Where the picture came from, for GenerationMetadata's extra map. */
        public Map<String, String> metadata() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("input_region", region.x + "," + region.y + "," + region.width + "," + region.height);
            m.put("input_position", "z=" + z + " t=" + t);
            if (channels.length > 0) {
                m.put("input_channels", Arrays.stream(channels).mapToObj(Integer::toString).collect(Collectors.joining(",")));
            }
            m.put("intensity_mapping", mappings.stream().map(IntensityMapping::describe).collect(Collectors.joining("; ")));
            return m;
        }
    }

    /** The region a command works on: the selection's bounding box inside the image, or the whole image. */
    public static Rectangle region(ImagePlus imp, Roi roi) {
        Rectangle all = new Rectangle(0, 0, imp.getWidth(), imp.getHeight());
        if (roi == null) return all;
        if (!roi.isArea()) {
            throw new IllegalArgumentException("Needs an area selection (rectangle, oval, polygon, freehand), not a "
                    + roi.getTypeAsString().toLowerCase() + " selection");
        }
        Rectangle r = roi.getBounds().intersection(all);
        if (r.isEmpty()) throw new IllegalArgumentException("The selection lies outside the image");
        return r;
    }

    /** The current position, or every (slice, frame) position in stack order. */
    public static List<Converted> convert(ImagePlus imp, Rectangle region, int[] channels, boolean allPositions) {
        List<Converted> out = new ArrayList<>();
        if (!allPositions) {
            int[] czt = current(imp);
            out.add(convertAt(imp, region, channels, czt[1], czt[2]));
            return out;
        }
        for (int t = 1; t <= imp.getNFrames(); t++) {
            for (int z = 1; z <= imp.getNSlices(); z++) out.add(convertAt(imp, region, channels, z, t));
        }
        return out;
    }

    /**
     * The channels to use: "" means the channels a composite shows (its first three active channels,
     * or the current one); otherwise a comma-separated list of one to three 1-based channels.
     */
    public static int[] channels(ImagePlus imp, String spec) {
        if (imp.getType() == ImagePlus.COLOR_RGB) {
            if (!spec.isBlank()) throw new IllegalArgumentException("An RGB image has no channels to choose");
            return new int[0];
        }
        int count = imp.getNChannels();
        if (spec.isBlank()) {
            if (imp instanceof CompositeImage ci && ci.getMode() == CompositeImage.COMPOSITE) {
                boolean[] active = ci.getActiveChannels();
                int[] shown = java.util.stream.IntStream.rangeClosed(1, count)
                        .filter(c -> c - 1 < active.length && active[c - 1]).limit(3).toArray();
                if (shown.length > 0) return shown;
            }
            return new int[] {current(imp)[0]};
        }
        int[] chosen;
        try {
            chosen = Arrays.stream(spec.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("channels must be like 1,2,3, got '" + spec + "'");
        }
        if (chosen.length > 3) throw new IllegalArgumentException("At most three channels (R, G, B), got " + spec);
        for (int c : chosen) {
            if (c < 1 || c > count) {
                throw new IllegalArgumentException("Channel " + c + " does not exist: the image has " + count);
            }
        }
        return chosen;
    }

    /** The current channel, slice and frame (1-based) from the current stack index, which setSlice keeps. */
    static int[] current(ImagePlus imp) {
        return imp.convertIndexToPosition(imp.getCurrentSlice());
    }

    static Converted convertAt(ImagePlus imp, Rectangle region, int[] channels, int z, int t) {
        ImageStack stack = imp.getStack();
        int n = region.width * region.height;
        float[][] planes = {new float[n], new float[n], new float[n]};
        if (imp.getType() == ImagePlus.COLOR_RGB) {
            ImageProcessor ip = stack.getProcessor(imp.getStackIndex(1, z, t));
            readRgb((ColorProcessor) ip, region, planes);
            return new Converted(new RgbImage(region.width, region.height, planes), region, z, t, new int[0],
                    List.of(IntensityMapping.BYTE));
        }
        List<IntensityMapping> mappings = new ArrayList<>();
        for (int i = 0; i < channels.length; i++) {
            int c = channels[i];
            IntensityMapping mapping = mappingOf(imp, c);
            mappings.add(mapping);
            readGray(stack.getProcessor(imp.getStackIndex(c, z, t)), region, mapping, planes[i]);
        }
        if (channels.length == 1) {
            System.arraycopy(planes[0], 0, planes[1], 0, n);
            System.arraycopy(planes[0], 0, planes[2], 0, n);
        }
        return new Converted(new RgbImage(region.width, region.height, planes), region, z, t, channels.clone(), List.copyOf(mappings));
    }

    /** A composite channel's own display range; otherwise the image's. */
    static IntensityMapping mappingOf(ImagePlus imp, int channel) {
        if (imp instanceof CompositeImage ci && ci.getNChannels() > 1) {
            LUT lut = ci.getChannelLut(channel);
            return new IntensityMapping(lut.min, lut.max, imp.getBitDepth());
        }
        return new IntensityMapping(imp.getDisplayRangeMin(), imp.getDisplayRangeMax(), imp.getBitDepth());
    }

    private static void readGray(ImageProcessor ip, Rectangle r, IntensityMapping mapping, float[] out) {
        for (int y = 0; y < r.height; y++) {
            for (int x = 0; x < r.width; x++) out[y * r.width + x] = mapping.toUnit(ip.getf(r.x + x, r.y + y));
        }
    }

    private static void readRgb(ColorProcessor ip, Rectangle r, float[][] out) {
        int[] pixels = (int[]) ip.getPixels();
        int width = ip.getWidth();
        for (int y = 0; y < r.height; y++) {
            for (int x = 0; x < r.width; x++) {
                int rgb = pixels[(r.y + y) * width + r.x + x];
                int i = y * r.width + x;
                out[0][i] = ((rgb >> 16) & 0xff) / 255f;
                out[1][i] = ((rgb >> 8) & 0xff) / 255f;
                out[2][i] = (rgb & 0xff) / 255f;
            }
        }
    }
}
