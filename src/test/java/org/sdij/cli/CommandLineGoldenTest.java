package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;
import org.sdij.Reference;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelHash;
import org.sdij.io.ModelLocator;
import org.sdij.pipeline.PipelineCases;

/**
 * The README's run command: each seeded txt2img/img2img case of {@code reference/pipelines} run
 * through {@code bin/sd-ij}'s entry point writes a float TIFF equal to diffusers' images, and a PNG
 * that carries the parameters and the command that reproduces it.
 */
@Tag("golden")
class CommandLineGoldenTest {

    @TempDir
    Path dir;

    /** The command line a user would type for the case. */
    static List<String> argsFor(Path caseDir, boolean singleFile, Path out) throws Exception {
        PipelineCases.Case c = PipelineCases.Case.of(caseDir);
        List<String> args = CaseFolders.commonArgs(c, singleFile, Reference.resolve("tiny-models/" + c.tinyModel()),
                out);
        if (c.pipeline().equals("img2img")) {
            args.addAll(List.of("--image", caseDir.resolve("init_image.png").toString(),
                    "--strength", c.spec().get("strength").getAsString()));
        } else {
            JsonObject call = c.manifest().getAsJsonObject("call");
            args.addAll(List.of("--width", call.get("width").getAsString(), "--height", call.get("height").getAsString()));
        }
        return args;
    }

    @TestFactory
    Stream<DynamicTest> tiffReproducesTheGoldenImages() throws Exception {
        return CaseFolders.tiffReproducesTheGoldenImages(CaseFolders.seededCases("txt2img", "img2img"), dir,
                CommandLineGoldenTest::argsFor);
    }

    /** A seeded txt2img case of the set (the first by name). */
    static PipelineCases.Case aTextToImageCase() throws Exception {
        return CaseFolders.seededCases("txt2img").findFirst().map(CommandLineGoldenTest::caseOf)
                .orElseThrow(() -> new TestAbortedException("the reference set has no seeded txt2img case"));
    }

    private static PipelineCases.Case caseOf(Path folder) {
        try {
            return PipelineCases.Case.of(folder);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void pngCarriesParametersAndTheCommand() throws Exception {
        PipelineCases.Case c = aTextToImageCase();
        JsonObject spec = c.spec();
        JsonObject call = c.manifest().getAsJsonObject("call");
        int batch = c.batch();
        Path out = dir.resolve("picture.png");
        assertEquals(0, Main.run(argsFor(c.folder(), false, out).toArray(String[]::new)));
        for (int i = 1; i <= batch; i++) {
            Path png = batch == 1 ? out : dir.resolve("picture-" + i + ".png");
            Map<String, String> text = ImageFiles.readPngText(png);
            String parameters = text.get("parameters");
            String prompt = c.prompt();
            String negative = c.negativePrompt();
            assertTrue(parameters.startsWith(prompt + "\n" + (negative.isEmpty() ? "" : "Negative prompt: " + negative + "\n")),
                    parameters);
            String expected = "Steps: " + spec.get("steps").getAsInt() + ", Sampler: " + spec.get("scheduler").getAsString()
                    + ", CFG scale: " + spec.get("guidance_scale").getAsDouble() + ", Seed: " + spec.get("seed").getAsString()
                    + ", Size: " + call.get("width").getAsInt() + "x" + call.get("height").getAsInt();
            assertTrue(parameters.contains(expected), "no '" + expected + "' in " + parameters);
            if (batch > 1) assertTrue(parameters.contains("Batch pos: " + i), parameters);
            assertTrue(text.get("sd-ij-command").contains("--seed " + spec.get("seed").getAsString()),
                    text.get("sd-ij-command"));
            assertEquals(call.get("width").getAsInt(), ImageFiles.read(png).width());
            assertEquals(call.get("height").getAsInt(), ImageFiles.read(png).height());
        }
    }

    /** A negative prompt and several images: each PNG names both, and its place in the batch. */
    @Test
    void pngOfABatchNamesTheNegativePromptAndEachPosition() throws Exception {
        PipelineCases.Case c = aTextToImageCase();
        Path out = dir.resolve("batch.png");
        List<String> args = new ArrayList<>(argsFor(c.folder(), false, out));
        int batch = c.batch() + 1;
        args.addAll(List.of("--num-images", Integer.toString(batch), "--negative-prompt", "blurry, low quality"));
        assertEquals(0, Main.run(args.toArray(String[]::new)));
        for (int i = 1; i <= batch; i++) {
            String parameters = ImageFiles.readPngText(dir.resolve("batch-" + i + ".png")).get("parameters");
            assertTrue(parameters.contains("\nNegative prompt: blurry, low quality\n"), parameters);
            assertTrue(parameters.contains("Batch pos: " + i), parameters);
        }
    }

    /**
     * PNG parameters and TIFF description name the model's hash as A1111 does: its first 10 hex digits, for a
     * single file those of the file's SHA-256 (what sha256sum and Civitai give), for a folder its manifest's.
     */
    @Test
    void pngAndTiffCarryTheModelHash() throws Exception {
        PipelineCases.Case c = aTextToImageCase();
        Path caseDir = c.folder();
        Path single = Reference.resolve("tiny-models/" + c.tinyModel() + ".safetensors");
        String fileHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(single)));
        String folderHash;
        try (ModelFiles folder = ModelLocator.open(Reference.resolve("tiny-models/" + c.tinyModel()).toString())) {
            folderHash = new ModelHash(null).of(folder);
        }
        for (boolean singleFile : new boolean[] {true, false}) {
            String expected = "Model: " + c.tinyModel() + ", Model hash: " + (singleFile ? fileHash : folderHash).substring(0, 10) + ", ";
            Path png = dir.resolve("hash-" + singleFile + ".png");
            Path written = c.batch() == 1 ? png : dir.resolve("hash-" + singleFile + "-1.png");
            assertEquals(0, Main.run(argsFor(caseDir, singleFile, png).toArray(String[]::new)));
            String parameters = ImageFiles.readPngText(written).get("parameters");
            assertTrue(parameters.contains(expected), parameters);
            Path tif = dir.resolve("hash-" + singleFile + ".tif");
            assertEquals(0, Main.run(argsFor(caseDir, singleFile, tif).toArray(String[]::new)));
            Path tifWritten = c.batch() == 1 ? tif : dir.resolve("hash-" + singleFile + "-1.tif");
            String tiffBytes = new String(Files.readAllBytes(tifWritten), StandardCharsets.ISO_8859_1);
            assertTrue(tiffBytes.contains(expected), "the TIFF description names the hash");
        }
        assertNotEquals(fileHash.substring(0, 10), folderHash.substring(0, 10), "the two forms of the model differ");
    }

    private static String runFailing(int expectedStatus, String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertEquals(expectedStatus, Main.run(args), err.toString());
        } finally {
            System.setErr(saved);
        }
        return err.toString();
    }

    @Test
    void badArgumentsAreNamed() {
        String model = Reference.resolve("tiny-models/sd1").toString();
        String out = dir.resolve("x.png").toString();
        assertTrue(runFailing(2, "txt2img", "--model", model, "--out", out, "--stpes", "4").contains("--stpes"));
        assertTrue(runFailing(2, "txt2img", "--model", model, "--out", out, "--steps", "four").contains("--steps 'four'"));
        assertTrue(runFailing(2, "txt2img", "--model", model, "--out", dir.resolve("x.jpg").toString()).contains(".png or .tif"));
        assertTrue(runFailing(2, "txt2img", "--model", model, "--out", out, "--sampler", "heun").contains("--sampler 'heun'"));
        assertTrue(runFailing(2, "txt2img", "--prompt", "x", "--out", out).contains("Missing --model"));
        String size = runFailing(1, "txt2img", "--model", model, "--out", out, "--width", "65", "--height", "64", "--steps", "1");
        assertTrue(size.contains("64 or 72"), size);
        String missing = runFailing(1, "txt2img", "--model", dir.resolve("no-such-model").toString(), "--out", out);
        assertTrue(missing.contains("no-such-model"), missing);
    }
}
