package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.pipeline.GenerationRequest;
import org.sdij.pipeline.LivePreview;
import org.sdij.pipeline.RgbImage;
import org.sdij.pipeline.StableDiffusion;
import org.sdij.pipeline.StepListener;
import org.sdij.pipeline.TextToImage;

/**
 * {@code --preview FILE.png}: rewritten while denoising (first at step 1), left holding the result; the output
 * is the same with and without it.
 */
class PreviewOptionTest {

    @TempDir
    Path dir;

    static final String SD1 = ConditionedCommandsTest.tinyModelOf("txt2img");

    private static List<String> txt2img(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("txt2img", "--model", SD1, "--prompt", "a red barn", "--seed", "7",
                "--steps", "3", "--width", "64", "--height", "64", "--out", out.toString()));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void theOutputIsTheSameWithAndWithoutAPreviewWhichEndsAsTheResult() throws Exception {
        Path with = dir.resolve("with.tif");
        Path without = dir.resolve("without.tif");
        Path preview = dir.resolve("preview.png");
        assertEquals(0, Main.run(txt2img(with, "--preview", preview.toString()).toArray(String[]::new)));
        assertEquals(0, Main.run(txt2img(without).toArray(String[]::new)));
        RgbImage a = ImageFiles.read(with);
        RgbImage b = ImageFiles.read(without);
        for (int c = 0; c < 3; c++) assertArrayEquals(b.planes()[c], a.planes()[c], "channel " + c);
        assertEquals("final image (full VAE decode)", ImageFiles.readPngText(preview).get("sd-ij-preview"));
        RgbImage shown = ImageFiles.read(preview);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < shown.planes()[c].length; i++) {
                assertEquals(RgbImage.toByte(a.planes()[c][i]) / 255f, shown.planes()[c][i], 1e-6f);
            }
        }
        assertTrue(Files.notExists(dir.resolve("preview.png.part")), "no partial file left behind");
    }

    @Test
    void theFileIsRewrittenWhileDenoising() throws IOException {
        Path path = dir.resolve("live.png");
        PreviewFile file = new PreviewFile(path);
        List<String> seen = new ArrayList<>();
        LivePreview.Sink reading = (preview, step, total) -> {
            file.show(preview, step, total);
            try {
                seen.add(ImageFiles.readPngText(path).get("sd-ij-preview"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        try (ModelFiles files = ModelLocator.open(SD1);
             StableDiffusion sd = StableDiffusion.load(files, Device.cpu(), DataType.FLOAT32)) {
            var request = new GenerationRequest("a red barn", "", 7L, 3, null, null, 64, 64, 1, null, null);
            var result = TextToImage.run(sd, request, LivePreview.around(StepListener.NONE, sd, 1, reading));
            file.showFinal(result.images().get(0));
        }
        assertTrue(!seen.isEmpty(), "no preview during the run");
        assertEquals("preview at step 1/3 (cheap latent-to-RGB decode)", seen.get(0));
        assertEquals(seen.size() + 1, file.written(), "each preview and the result rewrote the file");
        assertEquals("final image (full VAE decode)", ImageFiles.readPngText(path).get("sd-ij-preview"));
    }

    @Test
    void fitPreviewPrintsAMapForTheModelsVae() {
        java.io.PrintStream stdout = System.out;
        var printed = new java.io.ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
            status = Main.run(new String[] {"fit-preview", "--model", SD1, "--size", "64"});
        } finally {
            System.setOut(stdout);
        }
        String json = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, status, json);
        var map = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
        assertEquals(4, map.getAsJsonArray("factors").size(), json);
        assertEquals(3, map.getAsJsonArray("bias").size(), json);
        System.out.println("fitted to the tiny VAE: " + json);
    }

    @Test
    void aPreviewThatIsNoPngIsRefused() {
        assertEquals(2, Main.run(txt2img(dir.resolve("o.png"), "--preview", dir.resolve("p.jpg").toString())
                .toArray(String[]::new)));
        assertEquals(2, Main.run(txt2img(dir.resolve("o.png"), "--preview", dir.resolve("p.png").toString(),
                "--preview-every", "0").toArray(String[]::new)));
    }
}
