package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.pipeline.PipelineCases;
import org.sdij.pipeline.Plane;
import org.sdij.pipeline.RgbImage;
import org.sdij.pipeline.TestPictures;

/**
 * Paste-back and only-masked mode from the command line, and the bad inputs of inpaint, depth2img and upscale:
 * each a named error (exit 1, or 2 for a bad option) or a documented behaviour, never a crash.
 */
@Tag("golden")
class ConditionedCommandsTest {

    @TempDir
    Path dir;

    /** The picture and mask these tests make themselves: a {@value #SIDE}-pixel square, the mask a rectangle. */
    static final int SIDE = 64;
    static final int MASK_X0 = 8, MASK_X1 = 39, MASK_Y0 = 16, MASK_Y1 = 47;

    static final String INPAINT_MODEL = tinyModelOf("inpaint");
    static final String DEPTH_MODEL = tinyModelOf("depth2img");
    static final String X4_MODEL = tinyModelOf("upscale");

    /** The tiny model folder the set's first case of {@code pipeline} ran on. */
    static String tinyModelOf(String pipeline) {
        try {
            return PipelineCases.all(pipeline).findFirst()
                    .map(c -> Reference.resolve("tiny-models/" + c.tinyModel()).toString())
                    .orElseThrow(() -> new IllegalStateException("the reference set has no " + pipeline + " case"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The model's native size in pixels: its UNet's sample size times the VAE's factor. */
    static int nativeSize(String model) throws java.io.IOException {
        com.google.gson.JsonObject unet = com.google.gson.JsonParser.parseString(
                java.nio.file.Files.readString(Path.of(model, "unet", "config.json"))).getAsJsonObject();
        com.google.gson.JsonObject vae = com.google.gson.JsonParser.parseString(
                java.nio.file.Files.readString(Path.of(model, "vae", "config.json"))).getAsJsonObject();
        return unet.get("sample_size").getAsInt() << (vae.getAsJsonArray("block_out_channels").size() - 1);
    }

    /** The test picture and its rectangle mask as PNGs in {@code dir}; returns {picture, mask}. */
    static Path[] pictureAndMask(Path dir) throws Exception {
        Path image = dir.resolve("picture.png");
        Path mask = dir.resolve("mask.png");
        if (!java.nio.file.Files.exists(image)) {
            ImageFiles.writePng(image, TestPictures.smooth(SIDE, SIDE), java.util.Map.of());
            float[] m = TestPictures.rectangle(SIDE, SIDE, MASK_X0, MASK_Y0, MASK_X1, MASK_Y1).values();
            ImageFiles.writePng(mask, new RgbImage(SIDE, SIDE, new float[][] {m, m, m}), java.util.Map.of());
        }
        return new Path[] {image, mask};
    }

    private static List<String> inpaint(String image, String mask, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("inpaint", "--model", INPAINT_MODEL, "--prompt", "a horse",
                "--seed", "5", "--steps", "2", "--image", image, "--mask", mask, "--out", out.toString()));
        args.addAll(List.of(more));
        return args;
    }

    private String caseFile(String name) throws Exception {
        Path[] files = pictureAndMask(dir);
        return (name.equals("mask.png") ? files[1] : files[0]).toString();
    }

    private static int run(List<String> args) {
        return Main.run(args.toArray(String[]::new));
    }

    @Test
    void pasteBackKeepsEveryUnmaskedPngPixel() throws Exception {
        Path out = dir.resolve("pasted.png");
        assertEquals(0, run(inpaint(caseFile("init_image.png"), caseFile("mask.png"), out, "--feather", "3")));
        BufferedImage in = ImageIO.read(Path.of(caseFile("init_image.png")).toFile());
        BufferedImage got = ImageIO.read(out.toFile());
        Plane mask = ImageFiles.readMask(Path.of(caseFile("mask.png")));
        int kept = 0;
        int changed = 0;
        for (int y = 0; y < in.getHeight(); y++) {
            for (int x = 0; x < in.getWidth(); x++) {
                int a = in.getRGB(x, y) & 0xFFFFFF;
                int b = got.getRGB(x, y) & 0xFFFFFF;
                if (mask.values()[y * in.getWidth() + x] < 0.5f) {
                    assertEquals(a, b, "unmasked pixel " + x + "," + y);
                    kept++;
                } else if (a != b) {
                    changed++;
                }
            }
        }
        System.out.printf("8-bit paste-back: %d unmasked pixels identical, %d of the masked ones repainted%n", kept,
                changed);
        assertTrue(changed > 0, "the masked region was repainted");
        assertTrue(ImageFiles.readPngText(out).get("parameters").contains("Paste-back: feather 3.0 px"));
    }

    @Test
    void pasteBackKeepsFloatValuesBitForBit() throws Exception {
        RgbImage init = ImageFiles.read(Path.of(caseFile("init_image.png")));
        float[][] planes = new float[3][];
        for (int c = 0; c < 3; c++) {
            planes[c] = new float[init.planes()[c].length];
            for (int i = 0; i < planes[c].length; i++) {
                planes[c][i] = init.planes()[c][i] * 0.93f + 0.011f * (float) Math.sin(i * 0.37 + c) + 0.02f;
            }
        }
        RgbImage floats = new RgbImage(init.width(), init.height(), planes);
        Path in = dir.resolve("in.tif");
        ImageFiles.writeFloatTiff(in, floats, "float input");
        Path pasted = dir.resolve("pasted.tif");
        Path raw = dir.resolve("raw.tif");
        assertEquals(0, run(inpaint(in.toString(), caseFile("mask.png"), pasted)));
        assertEquals(0, run(inpaint(in.toString(), caseFile("mask.png"), raw, "--no-paste-back")));
        RgbImage got = ImageFiles.read(pasted);
        RgbImage rawResult = ImageFiles.read(raw);
        Plane mask = ImageFiles.readMask(Path.of(caseFile("mask.png")));
        int rawDiffers = 0;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < mask.values().length; i++) {
                float expected = mask.values()[i] < 0.5f ? planes[c][i] : rawResult.planes()[c][i];
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got.planes()[c][i]),
                        "channel " + c + " pixel " + i);
                if (mask.values()[i] < 0.5f && rawResult.planes()[c][i] != planes[c][i]) rawDiffers++;
            }
        }
        assertTrue(rawDiffers > 0, "without paste-back the unmasked pixels change (diffusers' raw output)");
    }

    @Test
    void onlyMaskedModeInpaintsABoxAtTheModelsSizeAndLeavesTheRest() throws Exception {
        // the test picture in the corner of a 203x141 canvas (no multiple of 8: whole-image mode refuses it)
        RgbImage init = ImageFiles.read(Path.of(caseFile("init_image.png")));
        Plane caseMask = ImageFiles.readMask(Path.of(caseFile("mask.png")));
        int w = 203;
        int h = 141;
        RgbImage big = RgbImage.blank(w, h);
        float[] mask = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    big.planes()[c][y * w + x] = x < SIDE && y < SIDE ? init.planes()[c][y * SIDE + x]
                            : (x * 7 + y * 3 + c * 50) % 256 / 255f;
                }
                if (x < SIDE && y < SIDE) mask[y * w + x] = caseMask.values()[y * SIDE + x];
            }
        }
        Path in = dir.resolve("big.png");
        ImageFiles.writePng(in, big, java.util.Map.of());
        Path maskFile = dir.resolve("big-mask.png");
        ImageFiles.writePng(maskFile, new RgbImage(w, h, new float[][] {mask, mask, mask}), java.util.Map.of());
        assertTrue(runFailing(1, inpaint(in.toString(), maskFile.toString(), dir.resolve("no.png")))
                .contains("Image width 203 is not a multiple of 8"));

        Path out = dir.resolve("region.png");
        assertEquals(0, run(inpaint(in.toString(), maskFile.toString(), out, "--padding", "4")));
        BufferedImage before = ImageIO.read(in.toFile());
        BufferedImage after = ImageIO.read(out.toFile());
        assertEquals(w, after.getWidth());
        assertEquals(h, after.getHeight());
        int changed = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean same = (before.getRGB(x, y) & 0xFFFFFF) == (after.getRGB(x, y) & 0xFFFFFF);
                if (mask[y * w + x] < 0.5f) assertTrue(same, "unmasked pixel " + x + "," + y);
                else if (!same) changed++;
            }
        }
        assertTrue(changed > 0, "the masked region was repainted");
        String parameters = ImageFiles.readPngText(out).get("parameters");
        System.out.println("only masked: " + parameters.replace('\n', ' '));
        // mask columns 8..39, rows 16..47, padded by 4 and snapped to 8: a 40x40 box, run at the model's size
        int n = nativeSize(INPAINT_MODEL);
        String box = "Only masked: padding 4 px; box 40x40+4+12 at " + n + "x" + n;
        assertTrue(parameters.contains(box), "no '" + box + "' in " + parameters);
        assertTrue(parameters.contains("Size: 203x141"), parameters);
    }

    private static String runFailing(int expectedStatus, List<String> args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertEquals(expectedStatus, Main.run(args.toArray(String[]::new)), err.toString());
        } finally {
            System.setErr(saved);
        }
        String message = err.toString();
        System.out.println("  exit " + expectedStatus + ": " + message.lines()
                .filter(l -> l.startsWith("sd-ij " + args.get(0) + ":")).findFirst().orElse(message.strip()));
        return message;
    }

    private Path plainPng(String name, int w, int h, float value) throws Exception {
        Path p = dir.resolve(name);
        float[] v = new float[w * h];
        java.util.Arrays.fill(v, value);
        ImageFiles.writePng(p, new RgbImage(w, h, new float[][] {v, v, v}), java.util.Map.of());
        return p;
    }

    @Test
    void badInpaintInputsAreNamed() throws Exception {
        Path out = dir.resolve("x.png");
        String image = caseFile("init_image.png");
        assertTrue(runFailing(1, inpaint(image, plainPng("small-mask.png", 32, 32, 1f).toString(), out))
                .contains("The mask is 32x32 but the image is " + SIDE + "x" + SIDE));
        assertTrue(runFailing(1, inpaint(image, plainPng("black.png", SIDE, SIDE, 0f).toString(), out))
                .contains("The mask is empty"));
        assertTrue(runFailing(1, inpaint(plainPng("tiny.png", 4, 4, 0.5f).toString(),
                plainPng("tiny-mask.png", 4, 4, 1f).toString(), out)).contains("Image width 4 is not a multiple of 8"));
        // only-masked mode scales the box to the model's size, so even a picture smaller than a latent pixel runs
        Path tinyOut = dir.resolve("tiny-out.png");
        assertEquals(0, run(inpaint(dir.resolve("tiny.png").toString(), dir.resolve("tiny-mask.png").toString(),
                tinyOut, "--padding", "0")));
        assertEquals(4, ImageIO.read(tinyOut.toFile()).getWidth());
        assertTrue(runFailing(2, inpaint(image, caseFile("mask.png"), out, "--feather", "-1")).contains("feather"));
        assertTrue(runFailing(2, inpaint(image, caseFile("mask.png"), out, "--padding", "-3")).contains("padding"));
        List<String> depthModel = inpaint(image, caseFile("mask.png"), out);
        depthModel.set(2, DEPTH_MODEL);
        assertTrue(runFailing(1, depthModel).contains("Inpainting needs an inpainting model"));
        assertTrue(runFailing(1, List.of("txt2img", "--model", INPAINT_MODEL, "--out", out.toString(), "--steps", "1"))
                .contains("use bin/sd-ij inpaint"));
    }

    @Test
    void anAllWhiteMaskRepaintsEverything() throws Exception {
        Path out = dir.resolve("white.tif");
        Path raw = dir.resolve("white-raw.tif");
        String white = plainPng("white.png", SIDE, SIDE, 1f).toString();
        assertEquals(0, run(inpaint(caseFile("init_image.png"), white, out)));
        assertEquals(0, run(inpaint(caseFile("init_image.png"), white, raw, "--no-paste-back")));
        RgbImage pasted = ImageFiles.read(out);
        RgbImage whole = ImageFiles.read(raw);
        for (int c = 0; c < 3; c++) assertTrue(java.util.Arrays.equals(whole.planes()[c], pasted.planes()[c]));
    }

    private static List<String> depth2img(String depth, Path out, String image) {
        List<String> args = new ArrayList<>(List.of("depth2img", "--model", DEPTH_MODEL, "--prompt", "a horse",
                "--seed", "5", "--steps", "2", "--strength", "1.0", "--image", image, "--out", out.toString()));
        if (depth != null) args.addAll(List.of("--depth", depth));
        return args;
    }

    @Test
    void depthMapsOfAnySizeAndFlatOnesRunAndAMissingOneIsNamed() throws Exception {
        String image = caseFile("init_image.png");
        Path out = dir.resolve("d.tif");
        BufferedImage sixteen = new BufferedImage(40, 24, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 40; x++) sixteen.getRaster().setSample(x, y, 0, 1000 + 1500 * x + 7 * y);
        }
        Path depth16 = dir.resolve("depth16.png");
        ImageIO.write(sixteen, "png", depth16.toFile());
        assertEquals(40 * 1500 - 500 + 7 * 23, (int) ImageFiles.readDepth(depth16).values()[40 * 24 - 1],
                "16-bit depth read as its values");
        assertEquals(0, run(depth2img(depth16.toString(), out, image)));
        Path flat = dir.resolve("flat.tif");
        float[] constant = new float[SIDE * SIDE];
        java.util.Arrays.fill(constant, 3.25f);
        ImageFiles.writeFloatTiff(flat, SIDE, SIDE, List.of(constant), "flat depth");
        assertEquals(0, run(depth2img(flat.toString(), out, image)));
        for (float[] plane : ImageFiles.read(out).planes()) {
            for (float v : plane) assertTrue(Float.isFinite(v), "a flat depth map gives finite pixels");
        }
        String noDepth = runFailing(2, depth2img(null, out, image)); // the tiny depth model has no depth_estimator/
        assertTrue(noDepth.contains("--depth FILE") && noDepth.contains("--depth-model DIR"), noDepth);
        assertTrue(runFailing(1, depth2img(flat.toString(), out, plainPng("tiny.png", 4, 4, 0.5f).toString()))
                .contains("Image width 4 is not a multiple of 8"));
    }

    private static List<String> upscale(String image, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("upscale", "--model", X4_MODEL, "--prompt", "a horse",
                "--seed", "5", "--steps", "2", "--image", image, "--out", out.toString()));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void badUpscaleInputsAreNamedAndTinyImagesRun() throws Exception {
        Path out = dir.resolve("u.png");
        String low = plainPng("low.png", 16, 16, 0.4f).toString();
        assertTrue(runFailing(1, upscale(low, out, "--noise-level", "351"))
                .contains("Noise level 351 is out of range: use 0 to 350"));
        assertTrue(runFailing(1, upscale(low, out, "--noise-level", "-1"))
                .contains("Noise level -1 is out of range"));
        assertTrue(runFailing(2, upscale(low, out, "--tile", "4")).contains("--tile"));
        // a 1x1 picture is one latent pixel: it upscales to 4x4
        assertEquals(0, run(upscale(plainPng("one.png", 1, 1, 0.5f).toString(), out)));
        assertEquals(4, ImageIO.read(out.toFile()).getWidth());
        assertEquals(0, run(upscale(plainPng("odd.png", 7, 5, 0.25f).toString(), out)));
        assertEquals(28, ImageIO.read(out.toFile()).getWidth());
        assertEquals(20, ImageIO.read(out.toFile()).getHeight());
    }
}
