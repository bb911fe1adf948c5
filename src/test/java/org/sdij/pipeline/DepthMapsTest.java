package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sdij.GoldenFloats;

/** DepthMaps.prepare against record.prepared_depth_map of every depth2img case, and its edge cases. */
@Tag("golden")
class DepthMapsTest {
    /** The SD VAE's downsampling: 2^(len(block_out_channels) - 1). */
    private static final int VAE_SCALE = 8;

    @TestFactory
    List<DynamicTest> reproducesPrepareDepthMap() {
        List<Path> cases = CaseTensors.casesOf("depth2img");
        assertFalse(cases.isEmpty(), "no depth2img cases under the reference");
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            try (CaseTensors c = CaseTensors.open(dir)) {
                long[] depthShape = c.shape("input.depth_map");
                long[] imageShape = c.shape("input.init_image_uint8_hwc");
                JsonObject call = c.manifest.getAsJsonObject("call");
                int batch = call.has("num_images_per_prompt") ? call.get("num_images_per_prompt").getAsInt() : 1;
                boolean guidance = call.get("guidance_scale").getAsDouble() > 1;
                float[] actual = DepthMaps.prepare(c.floats("input.depth_map"), (int) depthShape[0],
                        (int) depthShape[1], (int) depthShape[2], (int) imageShape[0] / VAE_SCALE,
                        (int) imageShape[1] / VAE_SCALE, batch, guidance);
                float[] expected = c.floats("record.prepared_depth_map");
                System.out.printf("prepared depth map %-44s max abs error %.3g, %d values differ%n",
                        dir.getFileName(), GoldenFloats.maxAbsDiff(actual, expected),
                        BicubicResizeTest.differing(actual, expected));
                assertArrayEquals(expected, actual);
            }
        })).toList();
    }

    @Test
    void aConstantMapGivesZerosNotNaN() {
        for (float value : new float[] {0f, 5f, -1000f, 3e7f}) {
            float[] flat = new float[48 * 40];
            Arrays.fill(flat, value);
            float[] prepared = DepthMaps.prepare(flat, 1, 48, 40, 8, 8, 1, true);
            assertEquals(2 * 64, prepared.length);
            for (float v : prepared) assertEquals(0f, v, "constant " + value);
        }
    }

    @Test
    void aMapOfAnotherSizeIsResizedAndSpansMinusOneToOne() {
        float[] ramp = new float[30 * 50];
        for (int y = 0; y < 30; y++) for (int x = 0; x < 50; x++) ramp[y * 50 + x] = 0.01f * x * x + y;
        float[] prepared = DepthMaps.prepare(ramp, 1, 30, 50, 8, 12, 1, false);
        assertEquals(96, prepared.length);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : prepared) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(-1f, min);
        assertEquals(1f, max);
        assertTrue(prepared[0] < prepared[11] && prepared[0] < prepared[84], "increases along x and y");
    }

    @Test
    void mapsAreRepeatedForTheBatchAndDoubledForGuidance() {
        float[] two = new float[2 * 16 * 16];
        for (int i = 0; i < two.length; i++) two[i] = (float) Math.sin(0.37 * i) * (i < 256 ? 1 : 3);
        float[] one = DepthMaps.prepare(Arrays.copyOfRange(two, 256, 512), 1, 16, 16, 2, 2, 1, false);
        float[] prepared = DepthMaps.prepare(two, 2, 16, 16, 2, 2, 4, true);
        assertEquals(8 * 4, prepared.length);
        for (int row = 0; row < 8; row++) {
            float[] got = Arrays.copyOfRange(prepared, 4 * row, 4 * row + 4);
            assertArrayEquals(Arrays.copyOfRange(prepared, 4 * (row % 2), 4 * (row % 2) + 4), got, "row " + row);
        }
        assertArrayEquals(one, Arrays.copyOfRange(prepared, 4, 8), "the second map, normalised on its own");
    }

    @Test
    void badInputIsAClearError() {
        float[] withNaN = new float[16];
        withNaN[3] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> DepthMaps.prepare(withNaN, 1, 4, 4, 2, 2, 1, true));
        assertThrows(IllegalArgumentException.class, () -> DepthMaps.prepare(new float[32], 2, 4, 4, 2, 2, 3, true));
        assertThrows(IllegalArgumentException.class, () -> DepthMaps.prepare(new float[15], 1, 4, 4, 2, 2, 1, true));
    }
}
