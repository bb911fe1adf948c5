package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/sd-ij macro file.ijm [args]} through the launcher's own entry point (org.sdij.cli.Main), as
 * a separate process and in-process: a macro's Text to Image saved as TIFF has diffusers' pixels, the
 * example macros of macros/ run on the tiny model, and failures give an exit status and a message.
 */
@Tag("golden")
class MacroRunnerTest {

    static {
        ImageJHarness.init();
    }

    @TempDir
    Path dir;

    private String out = "";
    private String err = "";

    @AfterEach
    void closeImages() {
        CommandFixtures.closeAll();
    }

    /** bin/sd-ij with these arguments; keeps what it printed. */
    private int sdij(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true));
        System.setErr(new PrintStream(e, true));
        try {
            return Main.run(args);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
            out = o.toString();
            err = e.toString();
            System.out.print(out);
            System.err.print(err);
        }
    }

    /** bin/sd-ij as its own process (a fresh, headless JVM, as on a server); keeps what it printed. */
    private int sdijProcess(String... args) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss8m", "-Dai.djl.offline=true", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "-cp", classPath, Main.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(dir.resolve("stderr.txt").toFile()).start();
        out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "bin/sd-ij macro did not finish");
        err = Files.readString(dir.resolve("stderr.txt"));
        System.out.print(out);
        System.err.print(err);
        return p.exitValue();
    }

    @Test
    void aMacrosTextToImageSavedAsTiffHasTheGoldenPixels() throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        Path macro = dir.resolve("astronaut.ijm");
        Files.writeString(macro, "run(\"Text to Image...\", \"" + CommandFixtures.textToImageOptions(c) + "\");\n"
                + "saveAs(\"Tiff\", getArgument());\nprint(\"saved \" + getTitle());\n");
        Path tif = dir.resolve("astronaut out.tif");
        assertEquals(0, sdijProcess("macro", macro.toString(), tif.toString()), err);
        assertTrue(out.contains("saved astronaut out.tif"), "print() writes to standard output: " + out);
        ImagePlus saved = IJ.openImage(tif.toString());
        assertEquals(CommandFixtures.batch(c), saved.getStackSize(), "every image of the case, one slice each");
        int flips = CommandFixtures.assertRgbStackMatches(CommandFixtures.goldenImages(c), saved, 1e-4);
        System.out.println("  bin/sd-ij macro: RGB values one off at a rounding boundary: " + flips);
        assertTrue(saved.getProp("sdij.macro").startsWith("run(\"Text to Image...\""), saved.getProp("sdij.macro"));

        Path typo = dir.resolve("typo.ijm");
        Files.writeString(typo, "x = 1;\nrun(\"Text to Image...\", \"model=sd stepz=3\");\nprint(\"not reached\");\n");
        assertEquals(1, sdijProcess("macro", typo.toString()));
        assertTrue(err.contains("sd-ij macro: typo.ijm: Unknown option stepz"), err);
        assertTrue(!out.contains("not reached"), out);
    }

    private static final String TINY = "model=[" + CommandFixtures.tinyModel("sd1") + "] steps=2";

    @Test
    void theExampleMacrosRunOnTheTinyModel() throws Exception {
        assertEquals(0, sdij("macro", "macros/text_to_image.ijm", TINY + " seeds=5,6 output=[" + dir + "]"), err);
        assertTrue(Files.isRegularFile(dir.resolve("text_to_image_seed6.tif")), out);
        assertEquals("6", IJ.openImage(dir.resolve("text_to_image_seed6.tif").toString()).getProp("sdij.seed"));

        ImageStack frames = new ImageStack(24, 16);
        for (int i = 0; i < 3; i++) {
            ByteProcessor bp = new ByteProcessor(24, 16);
            bp.setValue(60 * i + 20);
            bp.fill();
            frames.addSlice("frame " + i, bp);
        }
        Path stack = dir.resolve("cells.tif");
        assertTrue(new FileSaver(new ImagePlus("cells", frames)).saveAsTiffStack(stack.toString()));
        Path result = dir.resolve("cells-sd.tif");
        assertEquals(0, sdij("macro", "macros/image_to_image_stack.ijm",
                TINY + " input=[" + stack + "] output=[" + result + "]"), err);
        ImagePlus made = IJ.openImage(result.toString());
        assertEquals(3, made.getStackSize());
        assertEquals(24, made.getWidth());
        assertTrue(made.getInfoProperty().contains("input_position: z=3 t=1"));

        Path in = Files.createDirectory(dir.resolve("in"));
        Path outFolder = Files.createDirectory(dir.resolve("out"));
        new FileSaver(new ImagePlus("a", frames.getProcessor(1))).saveAsPng(in.resolve("a.png").toString());
        new FileSaver(new ImagePlus("b", frames.getProcessor(2))).saveAsTiff(in.resolve("b.tif").toString());
        Files.writeString(in.resolve("notes.txt"), "not an image");
        assertEquals(0, sdij("macro", "macros/image_to_image_folder.ijm",
                TINY + " input=[" + in + "] output=[" + outFolder + "]"), err);
        assertTrue(Files.isRegularFile(outFolder.resolve("a-sd.tif")));
        assertTrue(Files.isRegularFile(outFolder.resolve("b-sd.tif")));
    }

    @Test
    void theUpscaleAndInpaintExampleMacrosRunOnTheTinyModels() throws Exception {
        ImageStack frames = new ImageStack(12, 8);
        for (int i = 0; i < 2; i++) {
            ByteProcessor bp = new ByteProcessor(12, 8);
            for (int p = 0; p < 96; p++) bp.set(p, (p * 11 + 70 * i) % 256);
            frames.addSlice("frame " + i, bp);
        }
        Path stack = dir.resolve("small.tif");
        assertTrue(new FileSaver(new ImagePlus("small", frames)).saveAsTiffStack(stack.toString()));
        Path big = dir.resolve("small-x4.tif");
        assertEquals(0, sdij("macro", "macros/upscale_stack.ijm", "model=[" + CommandFixtures.tinyModel("x4-upscaler")
                + "] steps=2 input=[" + stack + "] output=[" + big + "]"), err);
        ImagePlus made = IJ.openImage(big.toString());
        assertEquals(2, made.getStackSize());
        assertEquals(48, made.getWidth());
        assertEquals(32, made.getHeight());
        assertEquals("upscale", made.getProp("sdij.pipeline"));

        Path photo = dir.resolve("photo.png");
        ByteProcessor bp = new ByteProcessor(32, 24);
        for (int p = 0; p < 32 * 24; p++) bp.set(p, (p * 5) % 256);
        new FileSaver(new ImagePlus("photo", bp)).saveAsPng(photo.toString());
        Path inpainted = dir.resolve("photo-inpainted.tif");
        assertEquals(0, sdij("macro", "macros/inpaint_selection.ijm", "model=[" + CommandFixtures.tinyModel("sd2-inpainting")
                + "] steps=2 oval=[6,4,14,12] input=[" + photo + "] output=[" + inpainted + "]"), err);
        ImagePlus result = IJ.openImage(inpainted.toString());
        assertEquals(32, result.getWidth());
        assertEquals("inpaint", result.getProp("sdij.pipeline"));
        assertEquals(0, ((int[]) result.getProcessor().getPixels())[0] & 0xff, "pasted back outside the oval");
    }

    @Test
    void failuresGiveAnExitStatusAndAMessage() throws Exception {
        assertEquals(2, sdij("macro"));
        assertTrue(err.contains("usage: bin/sd-ij macro file.ijm"), err);
        assertEquals(0, sdij("macro", "--help"));
        assertTrue(out.contains("getArgument()"), out);
        assertEquals(2, sdij("macro", dir.resolve("missing.ijm").toString()));
        assertTrue(err.contains("cannot read"), err);

        Path noModel = dir.resolve("no-model.ijm");
        Files.writeString(noModel, "run(\"Text to Image...\", \"model=[/nowhere/sd] prompt=x\");\nprint(\"not reached\");\n");
        assertEquals(1, sdij("macro", noModel.toString()));
        assertTrue(err.contains("No model '/nowhere/sd' found"), err);
        assertTrue(!out.contains("not reached"), out);

        Path typo = dir.resolve("typo.ijm");
        Files.writeString(typo, "x = 1;\nrun(\"Text to Image...\", \"model=sd stepz=3\");\n");
        assertEquals(1, sdij("macro", typo.toString()));
        assertTrue(err.contains("Unknown option stepz"), err);

        Path syntax = dir.resolve("syntax.ijm");
        Files.writeString(syntax, "x = ;\n");
        assertEquals(1, sdij("macro", syntax.toString()));
        assertTrue(err.contains("syntax.ijm"), err);
    }
}
