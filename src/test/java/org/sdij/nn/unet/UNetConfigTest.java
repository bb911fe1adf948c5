package org.sdij.nn.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sdij.Reference;

@Tag("golden")
class UNetConfigTest {

    private static Map<String, UNetConfig> realConfigs() throws IOException {
        try (Stream<Path> dirs = Files.list(Reference.resolve("configs"))) {
            var map = new java.util.TreeMap<String, UNetConfig>();
            for (Path dir : dirs.filter(d -> Files.isRegularFile(d.resolve("unet_config.json"))).toList()) {
                map.put(dir.getFileName().toString(), UNetConfig.load(dir.resolve("unet_config.json")));
            }
            assertTrue(!map.isEmpty(), "no real SD configs found");
            return map;
        }
    }

    @Test
    void everyRealConfigParsesIntoWholeHeads() throws IOException {
        for (var e : realConfigs().entrySet()) {
            UNetConfig c = e.getValue();
            for (int level = 0; level < c.levels(); level++) {
                assertEquals(0, c.blockOutChannels()[level] % c.attentionHeads()[level], e.getKey() + " level " + level);
                assertEquals(0, c.blockOutChannels()[level] % c.normNumGroups(), e.getKey() + " level " + level);
            }
        }
    }

    @Test
    void attentionHeadDimIsAHeadCount() throws IOException {
        Map<String, UNetConfig> real = realConfigs();
        // SD 1: attention_head_dim 8 means 8 heads (of width 40, 80, 160, 160)
        assertArrayEquals(new int[] {8, 8, 8, 8}, real.get("sd15").attentionHeads());
        assertEquals(768, real.get("sd15").crossAttentionDim()[0]);
        assertTrue(!real.get("sd15").useLinearProjection());
        // SD 2: [5, 10, 20, 20] heads, all of width 64
        for (String name : List.of("sd2_base_512", "sd2_768_v", "sd2_inpainting", "sd2_depth")) {
            UNetConfig c = real.get(name);
            assertArrayEquals(new int[] {5, 10, 20, 20}, c.attentionHeads(), name);
            for (int level = 0; level < 4; level++) assertEquals(64, c.blockOutChannels()[level] / c.attentionHeads()[level]);
            assertTrue(c.useLinearProjection(), name);
        }
        assertTrue(real.get("sd2_768_v").upcastAttention());
        assertEquals(9, real.get("sd2_inpainting").inChannels());
        assertEquals(5, real.get("sd2_depth").inChannels());
    }

    @Test
    void upscalerHasClassEmbeddingAndOnlyCrossAttention() throws IOException {
        UNetConfig x4 = realConfigs().get("sd_x4_upscaler");
        assertEquals(7, x4.inChannels());
        assertEquals(1000, x4.numClassEmbeds());
        assertNull(x4.classEmbedType());
        assertTrue(x4.hasClassEmbedding());
        assertArrayEquals(new boolean[] {true, true, true, false}, x4.onlyCrossAttention());
        assertEquals(List.of(UNetConfig.DOWN, UNetConfig.CROSS_ATTN_DOWN, UNetConfig.CROSS_ATTN_DOWN,
                UNetConfig.CROSS_ATTN_DOWN), x4.downBlockTypes());
        assertEquals(1024, x4.timeEmbedDim());
    }

    @Test
    void explicitHeadCountWinsAndScalarsExpandPerBlock() {
        UNetConfig c = UNetConfig.fromJson(json("{\"block_out_channels\": [32, 64], \"attention_head_dim\": 8,"
                + "\"num_attention_heads\": [2, 4], \"down_block_types\": [\"CrossAttnDownBlock2D\", \"DownBlock2D\"],"
                + "\"up_block_types\": [\"UpBlock2D\", \"CrossAttnUpBlock2D\"], \"layers_per_block\": 1,"
                + "\"only_cross_attention\": true, \"cross_attention_dim\": 16}"));
        assertArrayEquals(new int[] {2, 4}, c.attentionHeads());
        assertArrayEquals(new int[] {1, 1}, c.layersPerBlock());
        assertArrayEquals(new boolean[] {true, true}, c.onlyCrossAttention());
        assertArrayEquals(new int[] {16, 16}, c.crossAttentionDim());
        assertEquals(128, c.timeEmbedDim());
        assertEquals(1e-5, c.normEps());
    }

    @Test
    void unsupportedFeaturesAreRejected() {
        String base = "\"block_out_channels\": [32, 64], \"down_block_types\": [\"DownBlock2D\", \"DownBlock2D\"],"
                + "\"up_block_types\": [\"UpBlock2D\", \"UpBlock2D\"]";
        for (String extra : List.of("\"addition_embed_type\": \"text_time\"", "\"resnet_time_scale_shift\": \"scale_shift\"",
                "\"act_fn\": \"gelu\"", "\"class_embed_type\": \"projection\"", "\"dual_cross_attention\": true",
                "\"mid_block_type\": \"UNetMidBlock2DSimpleCrossAttn\"", "\"attention_head_dim\": [8, 8, 8]")) {
            var e = assertThrows(IllegalArgumentException.class, () -> UNetConfig.fromJson(json("{" + base + "," + extra + "}")),
                    extra);
            assertTrue(e.getMessage().length() > 10);
        }
        assertThrows(IllegalArgumentException.class, () -> UNetConfig.fromJson(json("{\"block_out_channels\": [32, 64],"
                + "\"down_block_types\": [\"SimpleCrossAttnDownBlock2D\", \"DownBlock2D\"], \"up_block_types\": [\"UpBlock2D\", \"UpBlock2D\"]}")));
    }

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }
}
