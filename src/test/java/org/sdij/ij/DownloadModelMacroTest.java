package org.sdij.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.hub.FakeHub;
import org.sdij.hub.HubSettings;

/** Download Model... through real macros, against a fake Hub on 127.0.0.1. */
class DownloadModelMacroTest {

    static {
        ImageJHarness.init();
    }

    static final String REPO = "org/tiny-sd";

    @TempDir
    Path tmp;
    FakeHub hub;
    Supplier<HubSettings> saved;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub().repo(REPO, Reference.resolve("tiny-models/sd1"));
        saved = DownloadModelCommand.environment;
        DownloadModelCommand.environment = () -> new HubSettings(hub.endpoint(), null, tmp.resolve("hub"), false);
    }

    @AfterEach
    void stop() {
        DownloadModelCommand.environment = saved;
        hub.close();
    }

    Path snapshot() {
        return tmp.resolve("hub/models--org--tiny-sd/snapshots/" + FakeHub.commitOf(REPO));
    }

    @Test
    void anyRepoIdIsDownloadedAndEscStopsItForTheNextRunToResume() throws Exception {
        String macro = "run(\"Download Model...\", \"model=other repo_id=" + REPO + "\");";
        try (EscPress esc = EscPress.atStatus("Download Model: unet/diffusion_pytorch_model.safetensors")) {
            assertThrows(AssertionError.class, () -> MacroHarness.run(macro));
        }
        assertFalse(Files.exists(snapshot().resolve("unet/diffusion_pytorch_model.safetensors")));
        try (Stream<Path> blobs = Files.list(tmp.resolve("hub/models--org--tiny-sd/blobs"))) {
            assertTrue(blobs.anyMatch(p -> p.toString().endsWith(".incomplete")), "the part is kept");
        }
        hub.clearLog();
        MacroHarness.run(macro);
        assertTrue(Files.isRegularFile(snapshot().resolve("unet/diffusion_pytorch_model.safetensors")));
        assertTrue(hub.requests().stream().anyMatch(r -> r.range() != null), "resumed with Range: " + hub.requests());
        assertTrue(DownloadModelCommand.cachedSummary().contains(REPO), DownloadModelCommand.cachedSummary());
    }

    @Test
    void aTokenCannotBeRecordedNorGivenInAMacro() {
        ParameterTable table = DownloadModelCommand.TABLE;
        Set<String> firstWords = new HashSet<>();
        for (Field f : table.fields()) {
            assertFalse(f.key().contains("token"), "the token is no parameter: " + f.key());
            assertTrue(firstWords.add(f.firstWord()), f.key());
            assertEquals(f.key(), ij.Macro.trimKey(f.label()), f.label());
        }
        String message = assertThrows(AssertionError.class, () -> MacroHarness.run(
                "run(\"Download Model...\", \"model=other repo_id=" + REPO + " token=hf_secret\");")).getMessage();
        assertTrue(message.contains("Macro"), message);
        assertEquals(java.util.List.of(), hub.requests());
    }

    @Test
    void aGatedModelSaysWhatToDo() {
        hub.gated(REPO);
        String message = assertThrows(AssertionError.class, () -> MacroHarness.run(
                "run(\"Download Model...\", \"model=other repo_id=" + REPO + "\");")).getMessage();
        assertTrue(message.contains("Macro"), message);
        assertFalse(Files.exists(snapshot()));
    }
}
