package org.sdij.ij;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
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
@Tag("golden")
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
            int[] size = CommandFixtures.size(c);
            int batch = CommandFixtures.batch(c);
            String options = CommandFixtures.textToImageOptions(c);

            MacroHarness.run(run(options));
            var rgb = CommandFixtures.newResult(null);
            assertEquals(ij.ImagePlus.COLOR_RGB, rgb.getType());
            assertEquals(size[0], rgb.getWidth());
            assertEquals(size[1], rgb.getHeight());
            assertEquals(batch, rgb.getStackSize(), "one slice per image");
            int flips = CommandFixtures.assertRgbStackMatches(golden, rgb, 1e-4);

            MacroHarness.run(run(options + " output=32-bit"));
            var floats = CommandFixtures.newResult(rgb);
            assertEquals(32, floats.getBitDepth());
            assertEquals(3, floats.getNChannels());
            assertEquals(batch, floats.getNSlices());
            double worst = CommandFixtures.maxFloatStackError(floats, golden);
            System.out.printf("  %s: 32-bit max abs error %.3g, RGB values one off at a rounding boundary: %d%n",
                    c.getFileName(), worst, flips);
            assertTrue(worst <= 1e-4, "max abs error " + worst);
            CommandFixtures.closeAll();
        }));
    }

    /**
     * A seeded txt2img case run with a negative prompt, one image more than the case made and no size (the
     * model's own): one stack, each slice labelled with the seed and its place, the metadata and a macro line
     * that makes the same pixels again.
     */
    @Test
    void aBatchIsOneStackWithSeedLabelsMetadataAndTheMacroLine() throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        var spec = CommandFixtures.spec(c);
        String seed = spec.get("seed").getAsString();
        int images = CommandFixtures.batch(c) + 1;
        String options = CommandFixtures.withOption(CommandFixtures.withOption(CommandFixtures.caseOptions(c),
                "negative_prompt", "[blurry, low quality]"), "num_images", Integer.toString(images));
        Path model = Path.of(CommandFixtures.modelOf(c));
        MacroHarness.run(run(options));
        var out = CommandFixtures.newResult(null);
        assertEquals(images, out.getStackSize());
        assertEquals(nativeSize(model), out.getHeight(), "0 = the model's own size");
        assertEquals(nativeSize(model), out.getWidth(), "0 = the model's own size");
        for (int s = 1; s <= images; s++) assertEquals("seed " + seed + " #" + s, out.getStack().getSliceLabel(s));
        assertEquals(CommandFixtures.prompt(c), out.getProp("sdij.prompt"));
        assertEquals("blurry, low quality", out.getProp("sdij.negative_prompt"));
        assertEquals(model.getFileName().toString(), out.getProp("sdij.model"));
        assertEquals(spec.get("scheduler").getAsString(), out.getProp("sdij.sampler"));
        assertEquals(String.join(",", Collections.nCopies(images, seed)), out.getProp("sdij.seeds"));
        assertTrue(out.getProp("sdij.version").startsWith("sd-ij "), out.getProp("sdij.version"));
        String line = out.getProp("sdij.macro");
        assertEquals(CommandTables.TEXT_TO_IMAGE.macroLine(CommandTables.TEXT_TO_IMAGE.fromMacro(options)), line);
        String info = out.getInfoProperty();
        String parameters = "Negative prompt: blurry, low quality\nSteps: " + spec.get("steps").getAsInt() + ", Sampler: "
                + spec.get("scheduler").getAsString() + ", CFG scale: " + spec.get("guidance_scale").getAsDouble()
                + ", Seed: " + seed;
        assertTrue(info.contains(parameters), "no '" + parameters + "' in " + info);
        assertTrue(info.contains("Batch pos: " + images), info);
        assertTrue(info.endsWith("Macro: " + line + "\n"), "the Info ends with a newline: " + info);
        String hash = folderHash(model);
        assertEquals(hash, out.getProp("sdij.model_hash"));
        assertTrue(info.contains(", Model: " + model.getFileName() + ", Model hash: " + hash.substring(0, 10)
                + ", Model kind: "), info);

        // the recorded line, run as it stands, makes the same pixels
        MacroHarness.run(line);
        var again = CommandFixtures.newResult(out);
        assertEquals(images, again.getStackSize());
        for (int s = 1; s <= images; s++) assertArrayEquals((int[]) out.getStack().getPixels(s), (int[]) again.getStack().getPixels(s));
    }

    /** The side a diffusers folder makes by default: the UNet's sample_size times the VAE's downsampling. */
    private static int nativeSize(Path folder) throws Exception {
        var unet = com.google.gson.JsonParser.parseString(Files.readString(folder.resolve("unet/config.json"))).getAsJsonObject();
        var vae = com.google.gson.JsonParser.parseString(Files.readString(folder.resolve("vae/config.json"))).getAsJsonObject();
        return unet.get("sample_size").getAsInt() << (vae.getAsJsonArray("block_out_channels").size() - 1);
    }

    @Test
    void reproduceFromMetadataSaysWhenTheModelHashDiffersAndAcceptsImagesWithoutOne() throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        MacroHarness.run(run(CommandFixtures.textToImageOptions(c)));
        var out = CommandFixtures.newResult(null);
        String hash = out.getProp("sdij.model_hash");
        assertEquals(64, hash.length(), hash);

        out.setProp("sdij.model_hash", OTHER_WEIGHTS); // as if made from other weights under the same name
        MacroHarness.run("run(\"Reproduce from Metadata...\");");
        var remade = CommandFixtures.newResult(out);
        assertStackEquals(out, remade);
        assertEquals(hash, remade.getProp("sdij.model_hash"), "the new image records the model it was made with");
        String note = "model hash differs: image " + OTHER_WEIGHTS.substring(0, 10) + ", model " + hash.substring(0, 10);
        assertTrue(remade.getInfoProperty().endsWith("Reproduced from '" + out.getTitle() + "': " + note + "\n"),
                remade.getInfoProperty());

        assertEquals(out.getTitle() + " reproduced", remade.getTitle(), "marked as reproduced");
        assertEquals(out.getTitle(), remade.getProp("sdij.reproduced_from"));

        // made with other settings (low-memory weights) than the run now: the result says which
        String hashNow = out.getProp("sdij.model_hash");
        out.setProp("sdij.model_hash", hash);
        out.setProp("sdij.weights", "fp16 in memory");
        ij.IJ.selectWindow(out.getID());
        MacroHarness.run("run(\"Reproduce from Metadata...\");");
        var other = CommandFixtures.newResult(out);
        assertEquals(remade.getTitle() + "-1", other.getTitle(), "results with equal settings get distinct titles");
        assertTrue(other.getInfoProperty().endsWith("Reproduced from '" + out.getTitle()
                + "': weights: image fp16 in memory, now (none)\n"), other.getInfoProperty());
        out.setProp("sdij.weights", null);
        out.setProp("sdij.model_hash", hashNow);

        out.setProp("sdij.model_hash", null); // an image from before hashes were recorded
        assertEquals(null, out.getProp("sdij.model_hash"));
        ij.IJ.selectWindow(out.getID());
        MacroHarness.run("run(\"Reproduce from Metadata...\");");
        var older = CommandFixtures.newResult(out);
        assertTrue(older != remade, "a new image");
        assertStackEquals(out, older);
        assertFalse(older.getInfoProperty().contains("differs"), older.getInfoProperty());
        assertTrue(older.getInfoProperty().endsWith("Reproduced from '" + out.getTitle() + "': the same settings as "
                + "its metadata\n"), older.getInfoProperty());
        assertEquals(hash, older.getProp("sdij.model_hash"));
    }

    private static void assertStackEquals(ij.ImagePlus want, ij.ImagePlus got) {
        assertEquals(want.getStackSize(), got.getStackSize());
        for (int s = 1; s <= want.getStackSize(); s++) {
            assertArrayEquals((int[]) want.getStack().getPixels(s), (int[]) got.getStack().getPixels(s), "slice " + s);
        }
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
        Path c = CommandFixtures.aCase("txt2img", "with the euler sampler",
                m -> m.getAsJsonObject("spec").get("scheduler").getAsString().equals("euler"));
        MacroHarness.run("run(\"Models and Settings...\", \"models_folder=[" + Reference.resolve("tiny-models") + "]\");");
        String name = Path.of(CommandFixtures.modelOf(c)).getFileName().toString();
        String options = CommandFixtures.textToImageOptions(c).replace(CommandFixtures.modelOf(c), name);
        assertTrue(options.startsWith("model=[" + name + "] "), "the model by its name in the models folder: " + options);
        String tif = dir.resolve("picture.tif").toString();
        MacroHarness.run(run(options) + "\nsaveAs(\"Tiff\", \"" + tif + "\");\nclose();");
        assertEquals(0, CommandFixtures.openImageCount());

        MacroHarness.run("open(\"" + tif + "\");\nrun(\"Reproduce from Metadata...\");");
        var saved = ij.WindowManager.getImage("picture.tif");
        var remade = CommandFixtures.newResult(saved);
        assertStackEquals(saved, remade);
        assertEquals(saved.getProp("sdij.macro"), remade.getProp("sdij.macro"));
        assertEquals(64, saved.getProp("sdij.model_hash").length(), "the hash survives the TIFF file");
        assertEquals(saved.getProp("sdij.model_hash"), remade.getProp("sdij.model_hash"));
        assertFalse(remade.getInfoProperty().contains("model hash differs"), "the same model");
        float[] golden = CommandFixtures.goldenImages(c);
        CommandFixtures.assertRgbStackMatches(golden, remade, 1e-4);
    }
}
