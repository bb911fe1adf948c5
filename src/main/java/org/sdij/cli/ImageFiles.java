package org.sdij.cli;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import org.sdij.pipeline.InpaintMasks;
import org.sdij.pipeline.Plane;
import org.sdij.pipeline.RgbImage;

/** Reads input pictures and writes results: 8-bit PNG with text chunks, 32-bit float TIFF with a description. */
public final class ImageFiles {
    private ImageFiles() {}

    /**
     * Reads a PNG, JPEG or TIFF as RGB in [0, 1]. 8-bit values are divided by 255, 16-bit by 65535;
     * float TIFFs keep their values; grayscale fills all three channels; a 3-page float TIFF (as we
     * write) becomes R, G, B.
     */
    public static RgbImage read(Path path) throws IOException {
        return withReader(path, reader -> {
            int pages = reader.getNumImages(true);
            Raster first = raster(reader.read(0));
            if (pages == 3 && first.getNumBands() == 1) {
                float[][] planes = new float[3][];
                for (int c = 0; c < 3; c++) planes[c] = band(c == 0 ? first : raster(reader.read(c)), 0);
                return new RgbImage(first.getWidth(), first.getHeight(), planes);
            }
            int bands = first.getNumBands();
            float[][] planes = new float[3][];
            for (int c = 0; c < 3; c++) planes[c] = band(first, bands >= 3 ? c : 0);
            return new RgbImage(first.getWidth(), first.getHeight(), planes);
        });
    }

    /**
     * A mask as diffusers reads one (PIL's {@code convert("L")}): 8-bit colour pixels become PIL's ITU-R 601-2
     * luma, gray ones keep their value, each as a fraction of the format's maximum (255, 65535; float TIFFs as
     * stored); alpha is ignored. 0.5 and up (white) is repainted.
     */
    public static Plane readMask(Path path) throws IOException {
        Raster r = firstRaster(path);
        int w = r.getWidth();
        int h = r.getHeight();
        if (r.getNumBands() < 3) return new Plane(w, h, band(r, 0));
        boolean eightBit = isInteger(r) && r.getSampleModel().getSampleSize(0) == 8;
        float[] values = new float[w * h];
        if (eightBit) {
            int[] red = r.getSamples(r.getMinX(), r.getMinY(), w, h, 0, new int[w * h]);
            int[] green = r.getSamples(r.getMinX(), r.getMinY(), w, h, 1, new int[w * h]);
            int[] blue = r.getSamples(r.getMinX(), r.getMinY(), w, h, 2, new int[w * h]);
            for (int i = 0; i < values.length; i++) {
                values[i] = InpaintMasks.luminance(red[i], green[i], blue[i]) / 255f;
            }
        } else {
            float[] red = band(r, 0);
            float[] green = band(r, 1);
            float[] blue = band(r, 2);
            for (int i = 0; i < values.length; i++) values[i] = 0.299f * red[i] + 0.587f * green[i] + 0.114f * blue[i];
        }
        return new Plane(w, h, values);
    }

    /**
     * A depth map: the first channel of the first page (slice), values as stored (8-, 16- or 32-bit integers,
     * or floats), never scaled or truncated: the depth pipeline stretches them to [-1, 1] itself.
     */
    public static Plane readDepth(Path path) throws IOException {
        Raster r = firstRaster(path);
        int w = r.getWidth();
        int h = r.getHeight();
        return new Plane(w, h, r.getSamples(r.getMinX(), r.getMinY(), w, h, 0, new float[w * h]));
    }

    private static Raster firstRaster(Path path) throws IOException {
        return withReader(path, reader -> raster(reader.read(0)));
    }

    /** What ImageIO reads from an image file through one reader. */
    @FunctionalInterface
    private interface ReaderUse<T> {
        T apply(ImageReader reader) throws IOException;
    }

    /** {@code use} applied to an ImageIO reader on {@code path}, whichever format reader fits the file. */
    private static <T> T withReader(Path path, ReaderUse<T> use) throws IOException {
        if (!Files.isRegularFile(path)) throw new IOException("Image file not found: " + path);
        try (ImageInputStream in = ImageIO.createImageInputStream(path.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new IOException(path + " is not an image ImageIO can read (PNG, JPEG, TIFF)");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                return use.apply(reader);
            } finally {
                reader.dispose();
            }
        }
    }

    private static boolean isInteger(Raster raster) {
        return raster.getDataBuffer().getDataType() <= java.awt.image.DataBuffer.TYPE_INT;
    }

    /** The pixel samples; palette images are expanded to RGB first. */
    private static Raster raster(BufferedImage image) {
        if (image.getColorModel() instanceof java.awt.image.IndexColorModel) {
            BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(image, 0, 0, null);
            return rgb.getRaster();
        }
        return image.getRaster();
    }

    private static float[] band(Raster raster, int band) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        float[] out = raster.getSamples(raster.getMinX(), raster.getMinY(), w, h, band, new float[w * h]);
        int bits = raster.getSampleModel().getSampleSize(band);
        if (isInteger(raster)) {
            float max = (float) ((1L << bits) - 1);
            for (int i = 0; i < out.length; i++) out[i] /= max;
        }
        return out;
    }

    /** 8-bit RGB PNG with tEXt chunks (iTXt where a value is not Latin-1). */
    public static void writePng(Path path, RgbImage image, Map<String, String> text) throws IOException {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int r = RgbImage.toByte(image.get(0, x, y));
                int g = RgbImage.toByte(image.get(1, x, y));
                int b = RgbImage.toByte(image.get(2, x, y));
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(Files.newOutputStream(path))) {
            writer.setOutput(stream);
            IIOMetadata metadata = writer.getDefaultImageMetadata(
                    ImageTypeSpecifier.createFromRenderedImage(out), writer.getDefaultWriteParam());
            String format = "javax_imageio_png_1.0";
            IIOMetadataNode root = new IIOMetadataNode(format);
            IIOMetadataNode latin = new IIOMetadataNode("tEXt");
            IIOMetadataNode international = new IIOMetadataNode("iTXt");
            for (var e : text.entrySet()) {
                if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(e.getValue())) {
                    IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                    entry.setAttribute("keyword", e.getKey());
                    entry.setAttribute("value", e.getValue());
                    latin.appendChild(entry);
                } else {
                    IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
                    entry.setAttribute("keyword", e.getKey());
                    entry.setAttribute("compressionFlag", "FALSE");
                    entry.setAttribute("compressionMethod", "0");
                    entry.setAttribute("languageTag", "");
                    entry.setAttribute("translatedKeyword", "");
                    entry.setAttribute("text", e.getValue());
                    international.appendChild(entry);
                }
            }
            if (latin.hasChildNodes()) root.appendChild(latin);
            if (international.hasChildNodes()) root.appendChild(international);
            metadata.mergeTree(format, root);
            writer.write(new IIOImage(out, null, metadata));
        } finally {
            writer.dispose();
        }
    }

    /** The text chunks of a PNG (tEXt and iTXt), keyword to value. */
    public static Map<String, String> readPngText(Path path) throws IOException {
        Map<String, String> text = new java.util.LinkedHashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(path.toFile())) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
            try {
                reader.setInput(in);
                var root = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
                for (String kind : new String[] {"tEXtEntry", "iTXtEntry"}) {
                    var entries = root.getElementsByTagName(kind);
                    for (int i = 0; i < entries.getLength(); i++) {
                        var e = (IIOMetadataNode) entries.item(i);
                        text.put(e.getAttribute("keyword"), e.getAttribute(kind.equals("tEXtEntry") ? "value" : "text"));
                    }
                }
            } finally {
                reader.dispose();
            }
        }
        return text;
    }

    /**
     * A baseline little-endian TIFF of three 32-bit float pages (R, G, B) holding the exact values,
     * with {@code description} as the first page's ImageDescription.
     */
    public static void writeFloatTiff(Path path, RgbImage image, String description) throws IOException {
        writeFloatTiff(path, image.width(), image.height(), List.of(image.planes()), description);
    }

    /** As {@link #writeFloatTiff(Path, RgbImage, String)} with any number of pages (one plane each). */
    public static void writeFloatTiff(Path path, int w, int h, List<float[]> pages, String description)
            throws IOException {
        int count = pages.size();
        byte[] desc = (description + "\0").getBytes(StandardCharsets.UTF_8);
        int entries = 10;
        int ifdSize = 2 + entries * 12 + 4;
        long planeBytes = 4L * w * h;
        // layout: header | description | one IFD per page | the pages
        long descOffset = 8;
        long ifdStart = descOffset + desc.length + (desc.length & 1);
        long dataStart = ifdStart + (long) count * ifdSize;
        ByteBuffer head = ByteBuffer.allocate((int) dataStart).order(ByteOrder.LITTLE_ENDIAN);
        head.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt((int) ifdStart);
        head.put(desc);
        head.position((int) ifdStart);
        for (int page = 0; page < count; page++) {
            long next = page < count - 1 ? ifdStart + (page + 1L) * ifdSize : 0;
            head.putShort((short) entries);
            tag(head, 256, 4, 1, w);                       // ImageWidth
            tag(head, 257, 4, 1, h);                       // ImageLength
            tag(head, 258, 3, 1, 32);                      // BitsPerSample
            tag(head, 259, 3, 1, 1);                       // Compression: none
            tag(head, 262, 3, 1, 1);                       // Photometric: BlackIsZero
            tag(head, 270, 2, page == 0 ? desc.length : 1, page == 0 ? descOffset : 0); // ImageDescription
            tag(head, 273, 4, 1, dataStart + page * planeBytes); // StripOffsets
            tag(head, 277, 3, 1, 1);                       // SamplesPerPixel
            tag(head, 279, 4, 1, planeBytes);              // StripByteCounts
            tag(head, 339, 3, 1, 3);                       // SampleFormat: IEEE float
            head.putInt((int) next);
        }
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(head.array());
            ByteBuffer plane = ByteBuffer.allocate((int) planeBytes).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] values : pages) {
                plane.clear();
                plane.asFloatBuffer().put(values);
                out.write(plane.array());
            }
        }
    }

    private static void tag(ByteBuffer b, int tag, int type, long count, long value) {
        b.putShort((short) tag).putShort((short) type).putInt((int) count);
        if (type == 3 && count == 1) {
            b.putShort((short) value).putShort((short) 0);
        } else if (type == 2 && count <= 4 && value == 0) {
            b.putInt(0);
        } else {
            b.putInt((int) value);
        }
    }

    /** {@code out.png} for one image; {@code out-1.png, out-2.png, ...} for several, in batch order. */
    public static List<Path> numbered(Path out, int count) {
        List<Path> paths = new ArrayList<>();
        if (count == 1) {
            paths.add(out);
            return paths;
        }
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot < 0 ? name : name.substring(0, dot);
        String ext = dot < 0 ? "" : name.substring(dot);
        for (int i = 1; i <= count; i++) paths.add(out.resolveSibling(stem + "-" + i + ext));
        return paths;
    }
}
