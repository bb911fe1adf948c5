package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.pipeline.RgbImage;

/**
 * Every check that needs no model runs before the model loads: the requests here name a model that does not
 * exist, so a run that got as far as loading would fail on the model instead.
 */
class PrepareBeforeLoadTest {
    @TempDir
    Path dir;

    private String noModel() {
        return dir.resolve("no-such-model").toString();
    }

    private String run(int expectedStatus, String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertEquals(expectedStatus, Main.run(args), err.toString());
        } finally {
            System.setErr(saved);
        }
        return err.toString();
    }

    private Path picture(String name, int w, int h) throws Exception {
        Path file = dir.resolve(name);
        ImageFiles.writePng(file, new RgbImage(w, h, new float[][] {new float[w * h], new float[w * h],
                new float[w * h]}), Map.of());
        return file;
    }

    @Test
    void aBadSizeFailsBeforeTheModelLoads() throws Exception {
        String out = dir.resolve("x.png").toString();
        String width = run(1, "txt2img", "--model", noModel(), "--width", "60", "--out", out);
        assertTrue(width.contains("Width 60 is not a multiple of 8: use 56 or 64"), width);
        String image = run(1, "img2img", "--model", noModel(), "--image", picture("odd.png", 36, 32).toString(),
                "--out", out);
        assertTrue(image.contains("Image width 36 is not a multiple of 8: use 32 or 40"), image);
        String mask = run(1, "inpaint", "--model", noModel(), "--image", picture("in.png", 32, 32).toString(),
                "--mask", picture("mask.png", 16, 16).toString(), "--out", out);
        assertTrue(mask.contains("The mask is 16x16 but the image is 32x32"), mask);
        assertTrue(Files.notExists(dir.resolve("x.png")));
    }

    @Test
    void prepareReadsTheRequestWithoutAModel() throws Exception {
        Path in = picture("in.png", 32, 24);
        var plan = GenerateCommand.prepare("img2img", new String[] {"img2img", "--model", noModel(), "--image",
                in.toString(), "--num-images", "2", "--out", dir.resolve("a.tif").toString()});
        assertEquals(noModel(), plan.modelKey().model());
        assertEquals("tif", plan.format());
        assertEquals(32, plan.request().initImage().width());
        assertEquals(java.util.List.of(dir.resolve("a-1.tif"), dir.resolve("a-2.tif")), plan.outputs());
        assertTrue(plan.reproduce().startsWith("bin/sd-ij img2img --model "), plan.reproduce());
        assertThrows(CommandLine.UsageException.class, () -> GenerateCommand.prepare("txt2img",
                new String[] {"txt2img", "--model", noModel(), "--stpes", "3", "--out", "x.png"}));
    }

    /**
     * A model of the wrong kind is refused from its files (names and configs), before its weights load: the command
     * line prints "loaded on" after a load.
     */
    @Test
    void aWrongKindOfModelIsRefusedBeforeItsWeightsLoad() throws Exception {
        String model = Reference.resolve("tiny-models/sd2-inpainting").toString();
        String out = dir.resolve("x.png").toString();
        String err = run(1, "txt2img", "--model", model, "--steps", "1", "--out", out);
        assertTrue(err.contains("txt2img needs a plain text-to-image model") && err.contains("use bin/sd-ij inpaint"),
                err);
        String upscale = run(1, "upscale", "--model", model, "--steps", "1", "--image",
                picture("low.png", 16, 16).toString(), "--out", out);
        assertTrue(upscale.contains("Upscaling needs the x4 upscaler") && upscale.contains("use bin/sd-ij inpaint"),
                upscale);
        String depth = run(1, "depth2img", "--model", Reference.resolve("tiny-models/x4-upscaler").toString(),
                "--image", picture("in.png", 32, 32).toString(), "--out", out);
        assertTrue(depth.contains("Depth to image needs a depth model") && depth.contains("use bin/sd-ij upscale"),
                depth);
        for (String e : new String[] {err, upscale, depth}) assertFalse(e.contains("loaded on"), e);
        assertTrue(Files.notExists(dir.resolve("x.png")));
    }
}
