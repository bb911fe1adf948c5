package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.cli.ImageFiles;
import org.sdij.cli.Main;
import org.sdij.pipeline.GenerationMetadata;
import org.sdij.pipeline.RgbImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PNG written by the command line (bin/sd-ij, here Main.run in-process), opened with IJ.openImage, has no sdij.*
 * properties; Reproduce from Metadata reads its parameters chunk and remakes its pixels, saying nothing differs.
 * A PNG with neither record gets the message naming what is missing; one of another pipeline, or whose text
 * cannot be read, a message saying so.
 */
@Tag("golden")
class ReproducePngMacroTest {

    static {
        ImageJHarness.init();
    }

    @TempDir
    Path dir;

    @AfterEach
    void cleanUp() {
        CommandFixtures.closeAll();
        CommandTables.SETTINGS.remember(CommandTables.SETTINGS.defaults());
    }

    @Test
    void aCommandLinePngIsRemadeFromItsParametersChunk() throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        var spec = CommandFixtures.spec(c);
        int[] size = CommandFixtures.size(c);
        int images = CommandFixtures.batch(c) + 1; // the last PNG of a batch: its batch is made again
        // a prompt over lines, with A1111 emphasis, BREAK and commas, and a negative prompt with a comma
        String prompt = CommandFixtures.prompt(c) + ",\n(second line:1.2), BREAK [third]";
        String negative = "blurry, low quality";
        Path png = dir.resolve("made by the command line.png");
        assertEquals(0, Main.run(new String[] {"txt2img", "--model", CommandFixtures.modelOf(c), "--prompt", prompt,
            "--negative-prompt", negative, "--seed", spec.get("seed").getAsString(), "--steps",
            spec.get("steps").getAsString(), "--guidance", spec.get("guidance_scale").getAsString(), "--sampler",
            spec.get("scheduler").getAsString(), "--width", Integer.toString(size[0]), "--height",
            Integer.toString(size[1]), "--num-images", Integer.toString(images), "--out", png.toString()}));
        Path last = ImageFiles.numbered(png, images).get(images - 1);

        MacroHarness.run("run(\"Models and Settings...\", \"models_folder=[" + Reference.resolve("tiny-models") + "]\");");
        ImagePlus opened = IJ.openImage(last.toString());
        assertNull(opened.getProp("sdij.command"), "ImageJ reads no sdij.* property from a PNG");
        opened.show();
        IJ.selectWindow(opened.getID());
        MacroHarness.run("run(\"Reproduce from Metadata...\");");
        ImagePlus remade = CommandFixtures.newResult(opened);

        assertEquals(images, remade.getStackSize(), "the PNG's batch");
        assertEquals(prompt.replace('\n', ' '), remade.getProp("sdij.prompt"), "the prompt (on one line)");
        assertTrue(remade.getInfoProperty().contains("\n" + prompt + "\nNegative prompt: " + negative + "\n"),
                "the prompt over its lines in the parameters");
        assertEquals(negative, remade.getProp("sdij.negative_prompt"));
        int[] want = (int[]) opened.getProcessor().convertToRGB().getPixels();
        int[] got = (int[]) remade.getStack().getPixels(images);
        assertEquals(want.length, got.length, "the PNG's size");
        for (int i = 0; i < want.length; i++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                int d = Math.abs((want[i] >> shift & 0xff) - (got[i] >> shift & 0xff));
                assertTrue(d <= 1, "pixel " + i + " differs by " + d + " (more than the 8-bit rounding)");
            }
        }
        String info = remade.getInfoProperty();
        assertTrue(info.endsWith("Reproduced from '" + opened.getTitle() + "': the same settings as its metadata\n"),
                info);
        assertTrue(info.contains("is image " + images + " of its batch: slice " + images + " here."), info);
        assertEquals(opened.getTitle(), remade.getProp("sdij.reproduced_from"));
        assertTrue(remade.getTitle().endsWith(" reproduced"), remade.getTitle());
        assertTrue(remade.getProp("sdij.command") != null, "the result carries its own record");
    }

    @Test
    void aPngWithoutEitherRecordIsRefusedNamingWhatIsMissing() throws Exception {
        Path plain = dir.resolve("plain.png");
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", plain.toFile());
        ImagePlus opened = IJ.openImage(plain.toString());
        opened.show();
        IJ.selectWindow(opened.getID());
        int open = CommandFixtures.openImageCount();
        String message = assertThrows(AssertionError.class,
                () -> MacroHarness.run("run(\"Reproduce from Metadata...\");")).getMessage().replace('\n', ' ');
        assertTrue(message.contains("'plain.png' carries no sd-ij record (no sdij.command property, no parameters "
                + "text of a PNG file)"), message);
        assertTrue(message.contains("PNG files the command line (bin/sd-ij) writes"), message);
        assertEquals(open, CommandFixtures.openImageCount(), "nothing new is open");
    }

    /** The message Reproduce from Metadata gives for the PNG written with these parameters. */
    private String refusal(String name, String parameters) throws Exception {
        Path png = dir.resolve(name);
        ImageFiles.writePng(png, RgbImage.blank(16, 16), Map.of("parameters", parameters));
        ImagePlus opened = IJ.openImage(png.toString());
        opened.show();
        IJ.selectWindow(opened.getID());
        int open = CommandFixtures.openImageCount();
        String message = assertThrows(AssertionError.class,
                () -> MacroHarness.run("run(\"Reproduce from Metadata...\");")).getMessage().replace('\n', ' ');
        assertEquals(open, CommandFixtures.openImageCount(), "nothing new is open");
        return message;
    }

    @Test
    void aPngOfAnotherPipelineOrWithABrokenTextIsRefusedSayingWhy() throws Exception {
        GenerationMetadata img2img = new GenerationMetadata("img2img", "sd1", "SD1 text to image", null, "a cat", "",
                1, 1, 2, "ddim", 7.5, 0.5, null, 16, 16, GenerationMetadata.VERSION, null);
        String message = refusal("img2img.png", img2img.toParameters());
        assertTrue(message.contains("'img2img.png' was made by the command line's img2img from input images its PNG "
                + "file does not hold"), message);
        String broken = refusal("broken.png", img2img.toParameters().replace(", Seed: 1", ""));
        assertTrue(broken.contains("'broken.png' has a parameters text that sd-ij cannot read (the parameters text "
                + "gives no Seed)"), broken);
    }
}
