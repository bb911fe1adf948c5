package org.sdij.nn.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sdij.Reference;

@Tag("golden")
class VaeConfigTest {

    @Test
    void realConfigsGiveTheirScaleAndFactor() throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(Reference.resolve("configs"))) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve("vae_config.json"))).sorted().toList();
        }
        assertTrue(!dirs.isEmpty(), "no real configs with a vae_config.json");
        for (Path dir : dirs) {
            VaeConfig c = VaeConfig.load(dir.resolve("vae_config.json"));
            boolean upscaler = dir.getFileName().toString().equals("sd_x4_upscaler");
            assertEquals(upscaler ? 0.08333 : 0.18215, c.scalingFactor(), dir.toString());
            assertEquals(upscaler ? 4 : 8, c.downscaleFactor(), dir.toString());
            assertEquals(4, c.latentChannels());
            assertEquals(32, c.normNumGroups());
            assertTrue(c.midBlockAddAttention() && c.useQuantConv() && c.usePostQuantConv());
        }
    }

    @Test
    void defaultsAndRejections() {
        VaeConfig c = VaeConfig.fromJson(JsonParser.parseString("{\"block_out_channels\": [8, 16],"
                + "\"down_block_types\": [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\"],"
                + "\"up_block_types\": [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"]}").getAsJsonObject());
        assertArrayEquals(new int[] {8, 16}, c.blockOutChannels());
        assertEquals(0.18215, c.scalingFactor());
        assertThrows(IllegalArgumentException.class, () -> VaeConfig.fromJson(JsonParser.parseString(
                "{\"block_out_channels\": [8, 16], \"down_block_types\": [\"DownEncoderBlock2D\"],"
                        + "\"up_block_types\": [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"]}").getAsJsonObject()));
        assertThrows(IllegalArgumentException.class, () -> VaeConfig.fromJson(JsonParser.parseString(
                "{\"block_out_channels\": [8], \"down_block_types\": [\"DownEncoderBlock2D\"],"
                        + "\"up_block_types\": [\"UpDecoderBlock2D\"], \"act_fn\": \"relu\"}").getAsJsonObject()));
    }
}
