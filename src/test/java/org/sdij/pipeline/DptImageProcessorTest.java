package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sdij.nn.dpt.DptConfig;

/** The DPT image processor's size rules and defaults, Pillow's resize on flat images, and configs refused. */
class DptImageProcessorTest {

    private static DptImageProcessor processor(String json) {
        return DptImageProcessor.fromJson(JsonParser.parseString(json).getAsJsonObject());
    }

    @Test
    void keepAspectRatioScalesAsLittleAsPossibleToAMultiple() {
        DptImageProcessor p = processor("{\"size\": {\"height\": 384, \"width\": 384}, \"keep_aspect_ratio\": true,"
                + " \"ensure_multiple_of\": 32}");
        // height scales by 0.8, width by 0.6: the height's scale (closer to 1) serves both, then multiples of 32
        assertArrayEquals(new int[] {512, 384}, p.outputSize(640, 480));
        assertArrayEquals(new int[] {384, 384}, processor("{}").outputSize(640, 480), "squashed by default");
    }

    @Test
    void absentKeysTakeTheProcessorsDefaults() {
        DptImageProcessor p = processor("{}");
        assertEquals(384, p.width());
        assertEquals(PillowResize.Filter.BICUBIC, p.resample());
        assertEquals(1 / 255.0, p.rescaleFactor());
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, p.mean());
    }

    @Test
    void aFlatImageStaysFlatAndAnUnchangedAxisIsNotResampled() {
        int[][] flat = new int[1][7 * 5];
        Arrays.fill(flat[0], 77);
        for (PillowResize.Filter f : PillowResize.Filter.values()) {
            for (int[] size : new int[][] {{3, 2}, {20, 11}, {7, 9}}) {
                int[] out = PillowResize.resize(flat, 7, 5, size[0], size[1], f)[0];
                for (int v : out) assertEquals(77, v, f + " " + Arrays.toString(size));
            }
        }
        int[][] ramp = {{0, 50, 100, 150, 200, 250}};
        assertArrayEquals(ramp[0], PillowResize.resize(ramp, 6, 1, 6, 1, PillowResize.Filter.BILINEAR)[0]);
    }

    @Test
    void unsupportedSettingsAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> processor("{\"resample\": 0}")).getMessage()
                .contains("resample 0"));
        JsonObject plainDpt = JsonParser.parseString("{\"model_type\": \"dpt\", \"is_hybrid\": false}").getAsJsonObject();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DptConfig.fromJson(plainDpt)).getMessage()
                .contains("not a hybrid"));
        JsonObject unet = JsonParser.parseString("{\"_class_name\": \"UNet2DConditionModel\"}").getAsJsonObject();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DptConfig.fromJson(unet)).getMessage()
                .contains("not a transformers DPT config"));
    }
}
