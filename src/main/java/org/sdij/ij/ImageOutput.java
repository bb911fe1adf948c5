package org.sdij.ij;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.LUT;
import org.sdij.pipeline.GenerationMetadata;
import org.sdij.pipeline.RgbImage;

import java.awt.Color;
import java.awt.Rectangle;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Generated images as a NEW ImagePlus: an RGB stack (one slice per image, values rounded as a PNG
 * would hold them) or a 32-bit composite (3 channels x n slices) keeping the floats. Slice labels carry
 * the seed; the metadata goes into the Info ("Show Info") and the image properties, which ImageJ
 * writes into TIFF files, so it survives File > Save As > Tiff.
 */
public final class ImageOutput {

    /** Property names; {@code sdij.<key>} for every key of the first image's {@link GenerationMetadata#asMap()}. */
    public static final String PREFIX = "sdij.";
    public static final String SEEDS = PREFIX + "seeds";
    public static final String MACRO = PREFIX + "macro";

    /**
     * The order the {@code sdij.*} properties are listed in, for every command and every result: the settings in
     * the order a user reads them (these keys, where present), then every other {@code sdij.*} property in
     * alphabetical order. ImageJ keeps properties in a hash table, so the Info lists them in this order itself
     * (and ImageJ's own unordered list is hidden, HideInfo).
     */
    public static final List<String> READING_ORDER = List.of("model", "model_hash", "prompt", "negative_prompt", "seed",
            "seeds", "steps", "guidance", "sampler", "width", "height", "strength", "noise_level");

    /** ImageJ's property that keeps Image > Show Info from listing the properties in hash order above the Info. */
    static final String HIDE_INFO = "HideInfo";

    /** The Info below the property list (the parameters of each slice, the macro line and notes), kept to re-list. */
    private static final String INFO_BODY = "sdij-info-body";

    /** Values longer than this are listed by their length, as ImageJ lists long properties. */
    private static final int LISTED_LENGTH = 1000;

    private ImageOutput() {
    }

    /**
     * How to build the output.
     *
     * @param asFloat a 32-bit 3-channel composite instead of an RGB stack
     * @param macroLine the macro line that reproduces the result, or null
     * @param calibration the input's calibration, or null
     * @param region the part of the input the images came from (sets the origin), or null
     * @param scale output pixels per input pixel (4 for Upscale 4x: pixel size / 4, same unit)
     */
    public record Options(boolean asFloat, String macroLine, Calibration calibration, Rectangle region, double scale) {

        public static Options rgb(String macroLine) {
            return new Options(false, macroLine, null, null, 1);
        }

        public Options from(Calibration inputCalibration, Rectangle inputRegion, double pixelScale) {
            return new Options(asFloat, macroLine, inputCalibration, inputRegion, pixelScale);
        }
    }

    public static ImagePlus create(String title, List<RgbImage> images, List<GenerationMetadata> metadata,
                                   Options options) {
        if (images.isEmpty()) throw new IllegalArgumentException("no images to show");
        if (metadata.size() != images.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + metadata.size() + " metadata records");
        }
        int w = images.get(0).width();
        int h = images.get(0).height();
        for (RgbImage im : images) {
            if (im.width() != w || im.height() != h) throw new IllegalArgumentException("images of different sizes");
        }
        ImagePlus imp = options.asFloat() ? floatComposite(title, images, metadata) : rgbStack(title, images, metadata);
        if (options.calibration() != null) imp.setCalibration(outputCalibration(options));
        writeMetadata(imp, metadata, options.macroLine());
        return imp;
    }

    private static ImagePlus rgbStack(String title, List<RgbImage> images, List<GenerationMetadata> metadata) {
        int w = images.get(0).width();
        int h = images.get(0).height();
        ImageStack stack = new ImageStack(w, h);
        for (int k = 0; k < images.size(); k++) {
            stack.addSlice(sliceLabel(metadata.get(k)), colorProcessor(images.get(k)));
        }
        return new ImagePlus(title, stack);
    }

    /** 8-bit RGB pixels of a [0, 1] picture, rounded as a PNG stores them. */
    static ColorProcessor colorProcessor(RgbImage im) {
        int[] pixels = new int[im.width() * im.height()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = 0xff000000 | RgbImage.toByte(im.planes()[0][i]) << 16 | RgbImage.toByte(im.planes()[1][i]) << 8
                    | RgbImage.toByte(im.planes()[2][i]);
        }
        return new ColorProcessor(im.width(), im.height(), pixels);
    }

    private static ImagePlus floatComposite(String title, List<RgbImage> images, List<GenerationMetadata> metadata) {
        int w = images.get(0).width();
        int h = images.get(0).height();
        ImageStack stack = new ImageStack(w, h);
        for (int k = 0; k < images.size(); k++) {
            for (int c = 0; c < 3; c++) {
                float[] plane = images.get(k).planes()[c].clone();
                stack.addSlice(sliceLabel(metadata.get(k)), new FloatProcessor(w, h, plane));
            }
        }
        ImagePlus imp = new ImagePlus(title, stack);
        imp.setDimensions(3, images.size(), 1);
        CompositeImage ci = new CompositeImage(imp, CompositeImage.COMPOSITE);
        Color[] colors = {Color.RED, Color.GREEN, Color.BLUE};
        for (int c = 0; c < 3; c++) {
            LUT lut = LUT.createLutFromColor(colors[c]);
            lut.min = 0;
            lut.max = 1;
            ci.setChannelLut(lut, c + 1);
        }
        ci.setTitle(title);
        return ci;
    }

    /** "seed 42" (and the batch position when a batch shares a seed). */
    static String sliceLabel(GenerationMetadata m) {
        String seed = "seed " + Long.toUnsignedString(m.seed());
        return m.imageIndex() > 0 ? seed + " #" + m.imageIndex() : seed;
    }

    /**
     * The input's calibration cropped to the region and scaled: pixel size / scale, origin moved with the crop.
     * An uncalibrated input (1 "pixel" per pixel) keeps pixel size 1: a 0.25 "pixel" size would make ImageJ
     * read a 64x64 upscale as 16x16 in the title and Info.
     */
    static Calibration outputCalibration(Options o) {
        Calibration cal = o.calibration().copy();
        cal.disableDensityCalibration();
        double s = o.scale();
        if (cal.scaled()) {
            cal.pixelWidth = cal.pixelWidth / s;
            cal.pixelHeight = cal.pixelHeight / s;
        }
        int x = o.region() == null ? 0 : o.region().x;
        int y = o.region() == null ? 0 : o.region().y;
        cal.xOrigin = (cal.xOrigin - x) * s;
        cal.yOrigin = (cal.yOrigin - y) * s;
        return cal;
    }

    private static void writeMetadata(ImagePlus imp, List<GenerationMetadata> metadata, String macroLine) {
        StringJoiner info = new StringJoiner("\n\n");
        StringJoiner seeds = new StringJoiner(",");
        for (int k = 0; k < metadata.size(); k++) {
            info.add("[slice " + (k + 1) + ": " + sliceLabel(metadata.get(k)) + "]\n" + metadata.get(k).toParameters());
            seeds.add(Long.toUnsignedString(metadata.get(k).seed()));
        }
        if (macroLine != null) info.add("Macro: " + macroLine);
        for (Map.Entry<String, String> e : metadata.get(0).asMap().entrySet()) {
            if (e.getValue() != null) imp.setProp(PREFIX + propertyKey(e.getKey()), oneLine(e.getValue()));
        }
        imp.setProp(SEEDS, seeds.toString());
        if (macroLine != null) imp.setProp(MACRO, macroLine);
        imp.setProperty(INFO_BODY, info + "\n");
        listProperties(imp);
    }

    /** The {@code sdij.*} properties of {@code imp}, in the {@link #READING_ORDER}. */
    public static Map<String, String> properties(ImagePlus imp) {
        Map<String, String> all = new TreeMap<>();
        String[] pairs = imp.getPropertiesAsArray();
        for (int i = 0; pairs != null && i + 1 < pairs.length; i += 2) {
            if (pairs[i].startsWith(PREFIX)) all.put(pairs[i], pairs[i + 1]);
        }
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String key : READING_ORDER) {
            String value = all.remove(PREFIX + key);
            if (value != null) ordered.put(PREFIX + key, value);
        }
        ordered.putAll(all);
        return ordered;
    }

    /** The line above the property list in the Info. */
    public static final String PROPERTIES_HEADING = "Properties sdij.*:";

    /**
     * Rewrites the Info: under {@link #PROPERTIES_HEADING}, the {@code sdij.*} properties as they are now, one
     * "key: value" line each (the key without its "sdij.") in the {@link #READING_ORDER}, a blank line, then the rest
     * of the Info; it ends with a newline. Called again after a command adds properties, so that the list is the
     * image's. The keys are listed without "sdij." because ImageJ's getProp reads "key: value" lines of the Info
     * when a property is missing: a property removed later must not come back from the list.
     */
    static void listProperties(ImagePlus imp) {
        Object body = imp.getProperty(INFO_BODY);
        StringBuilder info = new StringBuilder(PROPERTIES_HEADING).append('\n');
        for (Map.Entry<String, String> e : properties(imp).entrySet()) {
            String v = e.getValue();
            info.append(e.getKey().substring(PREFIX.length())).append(": ")
                    .append(v.length() > LISTED_LENGTH ? "<" + v.length() + " characters>" : v).append('\n');
        }
        if (body != null) info.append('\n').append(body);
        imp.setProperty("Info", info.toString());
        imp.setProp(HIDE_INFO, "true");
    }

    /** Adds a paragraph at the end of the Info, below the property list. */
    static void appendInfo(ImagePlus imp, String paragraph) {
        Object body = imp.getProperty(INFO_BODY);
        imp.setProperty(INFO_BODY, (body == null ? "" : body.toString().stripTrailing() + "\n\n") + paragraph.stripTrailing()
                + "\n");
        listProperties(imp);
    }

    /**
     * A record key as a property name's snake_case tail: the keys the pipelines add in the parameters
     * text's words ("Inpaint mode", "Paste-back", "Weights") become inpaint_mode, paste_back, weights.
     */
    static String propertyKey(String key) {
        return key.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    }

    /** A value as a property holds it: on one line. */
    static String oneLine(String s) {
        return s.replace('\n', ' ');
    }
}
