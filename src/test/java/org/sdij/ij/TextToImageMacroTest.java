package org.sdij.ij;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text to Image... as macro strings through ImageJ's interpreter on the tiny models: the pixels equal
 * diffusers' for every seeded txt2img case, and the new stack carries the metadata and the macro line
 * that Reproduce from Metadata runs again (also from a TIFF file).
 */
class TextToImageMacroTest {

    static {
        ImageJHarness.init();
    }

    @TempDir
    Path dir;

    @AfterEach
    void closeImages() {
        CommandFixtures.closeAll();
        CommandTables.SETTINGS.remember(CommandTables.SETTINGS.defaults());
    }

    private static String run(String options) {
        return "run(\"Text to Image...\", \"" + options + "\");";
    }

    @TestFactory
    Stream<DynamicTest> pixelsEqualTheGoldenAsRgbAndAs32Bit() throws Exception {
        return CommandFixtures.cases("txt2img").stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> {
            float[] golden = CommandFixtures.goldenImages(c);
            String options = CommandFixtures.caseOptions(c) + " width=64 height=64";

            MacroHarness.run(run(options));
            var rgb = CommandFixtures.newResult(null);
            assertEquals(ij.ImagePlus.COLOR_RGB, rgb.getType());
            assertEquals(64, rgb.getWidth());
            assertEquals(1, rgb.getStackSize());
            int flips = CommandFixtures.assertRgbMatches(golden, 0, (int[]) rgb.getProcessor().getPixels(), 1e-4);

            MacroHarness.run(run(options + " output=32-bit"));
            var floats = CommandFixtures.newResult(rgb);
            assertEquals(32, floats.getBitDepth());
            assertEquals(3, floats.getNChannels());
            double worst = CommandFixtures.maxFloatError(floats, 1, golden, 0);
            System.out.printf("  %s: 32-bit max abs error %.3g, RGB values one off at a rounding boundary: %d%n",
                    c.getFileName(), worst, flips);
            assertTrue(worst <= 1e-4, "max abs error " + worst);
            CommandFixtures.closeAll();
        }));
    }

    @Test
    void aBatchIsOneStackWithSeedLabelsMetadataAndTheMacroLine() throws Exception {
        Path c = Reference.resolve("pipelines/txt2img-sd1-ddim-g7.5-generator");
        String options = CommandFixtures.caseOptions(c) + " negative_prompt=[blurry, low quality] num_images=2";
        MacroHarness.run(run(options));
        var out = CommandFixtures.newResult(null);
        assertEquals(2, out.getStackSize());
        assertEquals(64, out.getHeight(), "0 = the model's own size");
        assertEquals("seed 42 #1", out.getStack().getSliceLabel(1));
        assertEquals("seed 42 #2", out.getStack().getSliceLabel(2));
        assertEquals("a photograph of an astronaut riding a horse", out.getProp("sdij.prompt"));
        assertEquals("blurry, low quality", out.getProp("sdij.negative_prompt"));
        assertEquals("sd1", out.getProp("sdij.model"));
        assertEquals("ddim", out.getProp("sdij.sampler"));
        assertEquals("42,42", out.getProp("sdij.seeds"));
        assertTrue(out.getProp("sdij.version").startsWith("sd-ij "), out.getProp("sdij.version"));
        String line = out.getProp("sdij.macro");
        assertEquals(CommandTables.TEXT_TO_IMAGE.macroLine(CommandTables.TEXT_TO_IMAGE.fromMacro(options)), line);
        String info = out.getInfoProperty();
        assertTrue(info.contains("Negative prompt: blurry, low quality\nSteps: 4, Sampler: ddim, CFG scale: 7.5, Seed: 42"), info);
        assertTrue(info.contains("Batch pos: 2"), info);
        assertTrue(info.endsWith("Macro: " + line + "\n"), "the Info ends with a newline: " + info);
        String hash = folderHash(Reference.resolve("tiny-models/sd1"));
        assertEquals(hash, out.getProp("sdij.model_hash"));
        assertTrue(info.contains(", Model: sd1, Model hash: " + hash.substring(0, 10) + ", Model kind: "), info);

        // the recorded line, run as it stands, makes the same pixels
        MacroHarness.run(line);
        var again = CommandFixtures.newResult(out);
        for (int s = 1; s <= 2; s++) assertArrayEquals((int[]) out.getStack().getPixels(s), (int[]) again.getStack().getPixels(s));
    }

    @Test
    void reproduceFromMetadataSaysWhenTheModelHashDiffersAndAcceptsImagesWithoutOne() throws Exception {
        Path c = Reference.resolve("pipelines/txt2img-sd1-ddim-g7.5-generator");
        MacroHarness.run(run(CommandFixtures.caseOptions(c)));
        var out = CommandFixtures.newResult(null);
        String hash = out.getProp("sdij.model_hash");
        assertEquals(64, hash.length(), hash);

        out.setProp("sdij.model_hash", OTHER_WEIGHTS); // as if made from other weights under the same name
        MacroHarness.run("run(\"Reproduce from Metadata...\");");
        var remade = CommandFixtures.newResult(out);
        assertArrayEquals((int[]) out.getProcessor().getPixels(), (int[]) remade.getProcessor().getPixels());
        assertEquals(hash, remade.getProp("sdij.model_hash"), "the new image records the model it was made with");
        String note = "model hash differs: image " + OTHER_WEIGHTS.substring(0, 10) + ", model " + hash.substring(0, 10);
        assertTrue(remade.getInfoProperty().endsWith("Reproduced from '" + out.getTitle() + "': " + note + "\n"),
                remade.getInfoProperty());

        out.setProp("sdij.model_hash", null); // an image from before hashes were recorded
        assertEquals(null, out.getProp("sdij.model_hash"));
        ij.IJ.selectWindow(out.getID());
        MacroHarness.run("run(\"Reproduce from Metadata...\");");
        var older = CommandFixtures.newResult(out);
        assertTrue(older != remade, "a new image");
        assertArrayEquals((int[]) out.getProcessor().getPixels(), (int[]) older.getProcessor().getPixels());
        assertFalse(older.getInfoProperty().contains("differs"), older.getInfoProperty());
        assertEquals(hash, older.getProp("sdij.model_hash"));
    }

    /** SHA-256 of "abc": a hash no tiny model has. */
    private static final String OTHER_WEIGHTS = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    /**
     * The model hash of a diffusers folder as the README defines it, computed here on its own: sorted lines
     * "relative path  sha256" of the UNet, VAE and text-encoder files, hashed.
     */
    private static String folderHash(Path folder) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String file : List.of("unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors",
                "text_encoder/model.safetensors")) {
            lines.add(file + "  " + sha256(Files.readAllBytes(folder.resolve(file))) + "\n");
        }
        Collections.sort(lines);
        return sha256(String.join("", lines).getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void reproduceFromMetadataRemakesTheImageFromASavedTiff() throws Exception {
        Path c = Reference.resolve("pipelines/txt2img-sd1-euler-g7.5-generator");
        MacroHarness.run("run(\"Models and Settings...\", \"models_folder=[" + Reference.resolve("tiny-models") + "]\");");
        String options = CommandFixtures.caseOptions(c).replace(CommandFixtures.tinyModel("sd1"), "sd1");
        assertTrue(options.startsWith("model=[sd1] "), "the model by its name in the models folder: " + options);
        String tif = dir.resolve("astronaut.tif").toString();
        MacroHarness.run(run(options) + "\nsaveAs(\"Tiff\", \"" + tif + "\");\nclose();");
        assertEquals(0, CommandFixtures.openImageCount());

        MacroHarness.run("open(\"" + tif + "\");\nrun(\"Reproduce from Metadata...\");");
        var saved = ij.WindowManager.getImage("astronaut.tif");
        var remade = CommandFixtures.newResult(saved);
        assertArrayEquals((int[]) saved.getProcessor().getPixels(), (int[]) remade.getProcessor().getPixels());
        assertEquals(saved.getProp("sdij.macro"), remade.getProp("sdij.macro"));
        assertEquals(64, saved.getProp("sdij.model_hash").length(), "the hash survives the TIFF file");
        assertEquals(saved.getProp("sdij.model_hash"), remade.getProp("sdij.model_hash"));
        assertFalse(remade.getInfoProperty().contains("model hash differs"), "the same model");
        float[] golden = CommandFixtures.goldenImages(c);
        CommandFixtures.assertRgbMatches(golden, 0, (int[]) remade.getProcessor().getPixels(), 1e-4);
    }
}
