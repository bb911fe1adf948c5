package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sdij.GoldenFloats;
import org.sdij.io.SafeTensorsFile;

/** The inpainting mask against record.mask_latents of every inpaint case, torch's nearest, and the binarising. */
@Tag("golden")
class InpaintMasksTest {
    private static final int VAE_SCALE = 8;

    @TestFactory
    List<DynamicTest> reproducesTheMaskLatents() {
        List<Path> cases = CaseTensors.casesOf("inpaint");
        assertFalse(cases.isEmpty(), "no inpaint cases under the reference");
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            try (CaseTensors c = CaseTensors.open(dir)) {
                long[] imageShape = c.shape("input.init_image_uint8_hwc");
                int height = (int) imageShape[0];
                int width = (int) imageShape[1];
                float[] mask = caseMask(c, height, width);
                JsonObject call = c.manifest.getAsJsonObject("call");
                int batch = call.has("num_images_per_prompt") ? call.get("num_images_per_prompt").getAsInt() : 1;
                boolean guidance = call.get("guidance_scale").getAsDouble() > 1;

                float[] actual = InpaintMasks.latentMask(mask, height, width, VAE_SCALE, batch, guidance);
                float[] expected = c.floats("record.mask_latents");
                System.out.printf("mask latents %-40s max abs error %.3g%n", dir.getFileName(),
                        GoldenFloats.maxAbsDiff(actual, expected));
                assertArrayEquals(expected, actual);

                RgbImage image = fromHwc(c.bytes("input.init_image_uint8_hwc"), width, height);
                float[] signed = image.toSignedChw();
                float[] masked = InpaintMasks.maskImage(signed, 3, mask);
                for (int i = 0; i < masked.length; i++) {
                    float want = mask[i % mask.length] == 1f ? 0f : signed[i];
                    assertEquals(want, masked[i], 0f, "masked image value " + i);
                }
            }
        })).toList();
    }

    /** The case's mask as the pipeline got it (mask.png), checked against the recorded array and the rectangle. */
    private static float[] caseMask(CaseTensors c, int height, int width) throws IOException {
        List<float[]> sources = new ArrayList<>();
        Path png = c.dir.resolve("mask.png");
        if (Files.isRegularFile(png)) sources.add(InpaintMasks.binarize8(readGray(png, width, height)));
        if (c.has("input.mask_uint8_hw")) sources.add(InpaintMasks.binarize8(c.bytes("input.mask_uint8_hw")));
        JsonObject spec = c.manifest.getAsJsonObject("spec");
        if (spec.has("mask_rect")) sources.add(rectangle(spec.getAsJsonArray("mask_rect"), height, width));
        assertFalse(sources.isEmpty(), c.dir + " describes no mask");
        for (float[] other : sources) assertArrayEquals(sources.get(0), other, "the case's mask descriptions agree");
        return sources.get(0);
    }

    /** White (1) on rows y0..y1-1 and columns x0..x1-1: the manifest's [y0, y1, x0, x1]. */
    static float[] rectangle(JsonArray rect, int height, int width) {
        float[] mask = new float[height * width];
        for (int y = rect.get(0).getAsInt(); y < rect.get(1).getAsInt(); y++) {
            for (int x = rect.get(2).getAsInt(); x < rect.get(3).getAsInt(); x++) mask[y * width + x] = 1f;
        }
        return mask;
    }

    private static int[] readGray(Path png, int width, int height) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(width, image.getWidth());
        assertEquals(height, image.getHeight());
        Raster raster = image.getRaster();
        assertEquals(1, raster.getNumBands(), "a grayscale mask PNG");
        return raster.getPixels(0, 0, width, height, (int[]) null);
    }

    private static RgbImage fromHwc(int[] hwc, int width, int height) {
        RgbImage image = RgbImage.blank(width, height);
        for (int i = 0; i < width * height; i++) {
            for (int ch = 0; ch < 3; ch++) image.planes()[ch][i] = hwc[3 * i + ch] / 255f;
        }
        return image;
    }

    @TestFactory
    List<DynamicTest> nearestReproducesTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (SafeTensorsFile fixture = CaseTensors.resource("torch_resize.safetensors")) {
            for (String name : fixture.names()) {
                if (!name.startsWith("nearest/") || !name.endsWith("/input")) continue;
                long[] in = fixture.info(name).shape();
                long[] out = fixture.info(name.replace("/input", "/output")).shape();
                float[] input = GoldenFloats.read(fixture, name);
                float[] expected = GoldenFloats.read(fixture, name.replace("/input", "/output"));
                String label = name + " " + in[2] + "x" + in[3] + " -> " + out[2] + "x" + out[3];
                tests.add(DynamicTest.dynamicTest(label, () -> assertArrayEquals(expected, InpaintMasks.nearest(
                        input, (int) (in[0] * in[1]), (int) in[2], (int) in[3], (int) out[2], (int) out[3]), label)));
            }
        }
        assertTrue(!tests.isEmpty(), "the fixture holds no nearest cases");
        return tests;
    }

    @Test
    void binarisesAtHalf() {
        assertArrayEquals(new float[] {0, 0, 1, 1}, InpaintMasks.binarize8(new int[] {0, 127, 128, 255}));
        assertArrayEquals(new float[] {0, 1, 1, 0}, InpaintMasks.binarize(new float[] {0.4999f, 0.5f, 7f, -1f}));
        assertThrows(IllegalArgumentException.class, () -> InpaintMasks.binarize(new float[] {Float.NaN}));
        assertThrows(IllegalArgumentException.class, () -> InpaintMasks.binarize8(new int[] {256}));
        assertTrue(InpaintMasks.isEmpty(new float[] {0, 0.49f}));
        assertFalse(InpaintMasks.isEmpty(new float[] {0, 0.5f}));
    }

    @Test
    void luminanceIsPillows() {
        // values from PIL 9.4 Image.convert("L") on single RGB pixels
        assertEquals(0, InpaintMasks.luminance(0, 0, 0));
        assertEquals(255, InpaintMasks.luminance(255, 255, 255));
        assertEquals(76, InpaintMasks.luminance(255, 0, 0));
        assertEquals(150, InpaintMasks.luminance(0, 255, 0));
        assertEquals(29, InpaintMasks.luminance(0, 0, 255));
        assertEquals(128, InpaintMasks.luminance(128, 128, 128));
    }

    @Test
    void badSizesAreClearErrors() {
        assertThrows(IllegalArgumentException.class,
                () -> InpaintMasks.latentMask(new float[60], 8, 8, VAE_SCALE, 1, true));
        assertThrows(IllegalArgumentException.class,
                () -> InpaintMasks.latentMask(new float[7 * 9], 7, 9, VAE_SCALE, 1, true));
        assertThrows(IllegalArgumentException.class, () -> InpaintMasks.maskImage(new float[10], 3, new float[4]));
    }
}
