package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.pipeline.RgbImage;

class ImageFilesTest {

    private static RgbImage randomImage(int w, int h, long seed) {
        Random r = new Random(seed);
        RgbImage image = RgbImage.blank(w, h);
        for (float[] plane : image.planes()) {
            for (int i = 0; i < plane.length; i++) plane[i] = r.nextFloat();
        }
        return image;
    }

    @Test
    void floatTiffKeepsExactValuesAndDescription(@TempDir Path dir) throws Exception {
        RgbImage image = randomImage(13, 7, 1);
        Path tif = dir.resolve("out.tif");
        ImageFiles.writeFloatTiff(tif, image, "a prompt\nSteps: 4, Seed: 42");
        RgbImage back = ImageFiles.read(tif);
        assertEquals(13, back.width());
        assertEquals(7, back.height());
        for (int c = 0; c < 3; c++) assertArrayEquals(image.planes()[c], back.planes()[c], 0f);
    }

    @Test
    void pngRoundsToBytesAndKeepsTextChunks(@TempDir Path dir) throws Exception {
        RgbImage image = randomImage(9, 5, 2);
        Path png = dir.resolve("out.png");
        Map<String, String> text = Map.of("parameters", "a cat\nSteps: 4", "sd-ij-command", "bin/sd-ij txt2img --prompt 'ü ∞'");
        ImageFiles.writePng(png, image, text);
        assertEquals(text, ImageFiles.readPngText(png));
        RgbImage back = ImageFiles.read(png);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < image.planes()[c].length; i++) {
                assertEquals(RgbImage.toByte(image.planes()[c][i]) / 255f, back.planes()[c][i], 1e-7f);
            }
        }
    }

    @Test
    void batchesAreNumberedInOrder() {
        assertEquals(Path.of("dir/out.png"), ImageFiles.numbered(Path.of("dir/out.png"), 1).get(0));
        assertEquals(Path.of("dir/out-2.tif"), ImageFiles.numbered(Path.of("dir/out.tif"), 3).get(1));
    }
}
