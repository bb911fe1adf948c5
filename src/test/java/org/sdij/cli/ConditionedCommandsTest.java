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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.pipeline.Plane;
import org.sdij.pipeline.RgbImage;

/**
 * Paste-back and only-masked mode from the command line, and the bad inputs of inpaint, depth2img and upscale:
 * each a named error (exit 1, or 2 for a bad option) or a documented behaviour, never a crash.
 */
class ConditionedCommandsTest {

    @TempDir
    Path dir;

    static final Path INPAINT_CASE = Reference.resolve("pipelines/inpaint-sd2-ddim-g7.5-generator");
    static final String INPAINT_MODEL = Reference.resolve("tiny-models/sd2-inpainting").toString();
    static final String DEPTH_MODEL = Reference.resolve("tiny-models/sd2-depth").toString();
    static final String X4_MODEL = Reference.resolve("tiny-models/x4-upscaler").toString();

    private static List<String> inpaint(String image, String mask, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("inpaint", "--model", INPAINT_MODEL, "--prompt", "a horse",
                "--seed", "5", "--steps", "2", "--image", image, "--mask", mask, "--out", out.toString()));
        args.addAll(List.of(more));
        return args;
    }

    private static String caseFile(String name) {
        return INPAINT_CASE.resolve(name).toString();
    }

    private static int run(List<String> args) {
        return Main.run(args.toArray(String[]::new));
    }

    @Test
    void pasteBackKeepsEveryUnmaskedPngPixel() throws Exception {
        Path out = dir.resolve("pasted.png");
        assertEquals(0, run(inpaint(caseFile("init_image.png"), caseFile("mask.png"), out, "--feather", "3")));
        BufferedImage in = ImageIO.read(INPAINT_CASE.resolve("init_image.png").toFile());
        BufferedImage got = ImageIO.read(out.toFile());
        Plane mask = ImageFiles.readMask(INPAINT_CASE.resolve("mask.png"));
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
        RgbImage init = ImageFiles.read(INPAINT_CASE.resolve("init_image.png"));
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
        Plane mask = ImageFiles.readMask(INPAINT_CASE.resolve("mask.png"));
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
        // the case picture in the corner of a 203x141 canvas (no multiple of 8: whole-image mode refuses it)
        RgbImage init = ImageFiles.read(INPAINT_CASE.resolve("init_image.png"));
        Plane caseMask = ImageFiles.readMask(INPAINT_CASE.resolve("mask.png"));
        int w = 203;
        int h = 141;
        RgbImage big = RgbImage.blank(w, h);
        float[] mask = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    big.planes()[c][y * w + x] = x < 64 && y < 64 ? init.planes()[c][y * 64 + x]
                            : (x * 7 + y * 3 + c * 50) % 256 / 255f;
                }
                if (x < 64 && y < 64) mask[y * w + x] = caseMask.values()[y * 64 + x];
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
        // mask columns 8..39, rows 16..47, padded by 4 and snapped to 8: a 40x40 box, run at 64x64
        assertTrue(parameters.contains("Only masked: padding 4 px; box 40x40+4+12 at 64x64"), parameters);
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
                .contains("The mask is 32x32 but the image is 64x64"));
        assertTrue(runFailing(1, inpaint(image, plainPng("black.png", 64, 64, 0f).toString(), out))
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
        String white = plainPng("white.png", 64, 64, 1f).toString();
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
        float[] constant = new float[64 * 64];
        java.util.Arrays.fill(constant, 3.25f);
        ImageFiles.writeFloatTiff(flat, 64, 64, List.of(constant), "flat depth");
        assertEquals(0, run(depth2img(flat.toString(), out, image)));
        for (float[] plane : ImageFiles.read(out).planes()) {
            for (float v : plane) assertTrue(Float.isFinite(v), "a flat depth map gives finite pixels");
        }
        assertTrue(runFailing(2, depth2img(null, out, image)).contains("Missing --depth"));
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
        String low = Reference.resolve("pipelines/upscale-x4-ddim-vpred-n20-g7.5-generator/low_res_image.png")
                .toString();
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
