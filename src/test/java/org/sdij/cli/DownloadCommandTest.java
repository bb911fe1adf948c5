package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.hub.FakeHub;
import org.sdij.hub.HubSettings;
import org.sdij.pipeline.PipelineCases;

/** {@code bin/sd-ij download} and {@code --download} against a fake Hub on 127.0.0.1. */
class DownloadCommandTest {

    @TempDir
    Path tmp;
    FakeHub hub;
    Supplier<HubSettings> saved;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub().repo("org/tiny-sd", Reference.resolve("tiny-models/sd1"));
        saved = DownloadCommand.environment;
        DownloadCommand.environment = () -> new HubSettings(hub.endpoint(), null, tmp.resolve("hub"), false);
    }

    @AfterEach
    void stop() {
        DownloadCommand.environment = saved;
        hub.close();
    }

    /** Exit status, stdout and stderr of one command. */
    record Run(int status, String out, String err) {}

    static Run run(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            int status = Main.run(args);
            return new Run(status, out.toString(), err.toString());
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    void downloadShowsProgressAndTheFinalPath() {
        Run r = run("download", "org/tiny-sd");
        assertEquals(0, r.status(), r.err());
        Path snapshot = tmp.resolve("hub/models--org--tiny-sd/snapshots/" + FakeHub.commitOf("org/tiny-sd"));
        assertEquals(snapshot.toString(), r.out().trim());
        assertTrue(r.err().contains("unet/diffusion_pytorch_model.safetensors"), r.err());
        assertTrue(r.err().contains("/s, 0:00 left"), r.err());
        assertTrue(r.err().contains(" MB [###"), r.err());
        assertTrue(r.err().contains("is in the cache: " + snapshot), r.err());
        Run again = run("download", "org/tiny-sd");
        assertTrue(again.err().contains("was already in the cache, nothing downloaded"), again.err());

        Run file = run("download", "org/tiny-sd", "--file", "vae/config.json", "--revision", "main");
        assertEquals(snapshot.resolve("vae/config.json").toString(), file.out().trim(), file.err());
        Run list = run("download", "--list");
        assertTrue(list.out().contains("org/tiny-sd") && list.out().contains("stable-diffusion-v1-5/stable-diffusion-v1-5"),
                list.out());
    }

    @Test
    void errorsAreOneLineThatSaysWhatToDo() {
        hub.gated("org/tiny-sd");
        Run gated = run("download", "org/tiny-sd");
        assertEquals(1, gated.status());
        assertTrue(gated.err().contains("sd-ij download: The model org/tiny-sd is gated"), gated.err());
        assertEquals(2, run("download").status());
        assertEquals(2, run("download", "org/tiny-sd", "--varaint", "fp16").status());
    }

    @Test
    void aRepoIdNotCachedIsNeverDownloadedSilently() {
        Run r = run("txt2img", "--model", "org/tiny-sd", "--prompt", "x", "--steps", "1", "--out",
                tmp.resolve("x.png").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("bin/sd-ij download org/tiny-sd") && r.err().contains("--download"), r.err());
        assertEquals(List.of(), hub.requests());
    }

    /**
     * The first seeded txt2img case of each tiny model (the golden set runs every case from the folders already):
     * the model downloaded from the fake Hub by --download gives the golden images.
     */
    @Tag("golden")
    @TestFactory
    Stream<DynamicTest> aDownloadedModelReproducesTheGoldenImages() throws Exception {
        java.util.Set<String> models = new java.util.HashSet<>();
        Stream<Path> firstOfEachModel = CaseFolders.seededCases("txt2img").filter(c -> {
            try {
                return models.add(PipelineCases.Case.of(c).tinyModel());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return firstOfEachModel.map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> {
            PipelineCases.Case pc = PipelineCases.Case.of(c);
            String repo = "fake/" + pc.tinyModel();
            hub.repo(repo, Reference.resolve("tiny-models/" + pc.tinyModel()));
            Path out = tmp.resolve(c.getFileName() + ".tif");
            List<String> args = new ArrayList<>(CommandLineGoldenTest.argsFor(c, false, out));
            args.set(args.indexOf("--model") + 1, repo);
            args.add("--download");
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.status(), r.err());
            assertTrue(Files.isRegularFile(tmp.resolve("hub/models--fake--" + pc.tinyModel() + "/refs/main")));
            CaseFolders.assertTiffMatchesGolden(c, out, c.getFileName() + " [downloaded]");
        }));
    }
}
