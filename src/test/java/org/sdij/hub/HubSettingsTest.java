package org.sdij.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** huggingface_hub's variables, read from a map the test makes (never the process environment). */
class HubSettingsTest {

    @TempDir
    Path home;

    @Test
    void defaultsAreThePublicHubAndTheUsersCache() {
        HubSettings s = HubSettings.fromEnvironment(Map.of(), home.toString());
        assertEquals("https://huggingface.co", s.endpoint().toString());
        assertEquals(home.resolve(".cache/huggingface/hub"), s.cacheRoot());
        assertNull(s.token());
        assertFalse(s.offline());
    }

    @Test
    void tokenFromTheVariableElseTheTokenFile() throws Exception {
        Path hfHome = Files.createDirectories(home.resolve("hf"));
        Files.writeString(hfHome.resolve("token"), "hf_fromfile\n");
        assertEquals("hf_fromfile", HubSettings.fromEnvironment(Map.of("HF_HOME", hfHome.toString()), "/x").token());
        assertEquals(hfHome.resolve("hub"), HubSettings.fromEnvironment(Map.of("HF_HOME", hfHome.toString()), "/x").cacheRoot());
        assertEquals("hf_env", HubSettings.fromEnvironment(Map.of("HF_HOME", hfHome.toString(), "HF_TOKEN", " hf_env "),
                "/x").token());
        Path other = Files.writeString(home.resolve("elsewhere"), "hf_path");
        assertEquals("hf_path", HubSettings.fromEnvironment(Map.of("HF_TOKEN_PATH", other.toString()), "/x").token());
        HubSettings s = HubSettings.fromEnvironment(Map.of("HF_TOKEN", "hf_secret"), "/x");
        assertFalse(s.toString().contains("hf_secret"), "the token never shows: " + s);
        assertNull(HubSettings.fromEnvironment(Map.of("HF_TOKEN", "  "), home.toString()).token());
    }

    @Test
    void endpointCacheAndOfflineAsHuggingfaceHubReadsThem() {
        HubSettings s = HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "http://127.0.0.1:9/", "HF_HUB_CACHE",
                "/data/hub", "HF_HUB_OFFLINE", "True"), home.toString());
        assertEquals("http://127.0.0.1:9", s.endpoint().toString());
        assertEquals(Path.of("/data/hub"), s.cacheRoot());
        assertTrue(s.offline());
        for (String no : new String[] {"0", "false", ""}) {
            assertFalse(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", no), home.toString()).offline(), no);
        }
    }
}
