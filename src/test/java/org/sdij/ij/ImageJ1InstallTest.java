package org.sdij.ij;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.awt.GraphicsEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * sd-ij in plain ImageJ 1, installed as the README says ({@link ImageJ1Install}): the plug-in in plugins/, the
 * jars in plugins/jars/, none of them on the class path of the JVM, which starts from ij.jar alone. Text to Image
 * from a batch macro makes the golden case's pictures (DJL finds its engine through the plug-in's class loader),
 * and an install that lacks the engine's jar says which jar is missing and where it goes. ImageJ 1 builds its
 * AWT menus even in batch mode, so this needs a display (Xvfb in CI).
 */
@Tag("golden")
class ImageJ1InstallTest {

    static {
        ImageJHarness.init();
    }

    @BeforeEach
    void needsADisplayAndTheJars() {
        assumeFalse(GraphicsEnvironment.isHeadless() || System.getenv("DISPLAY") == null,
                "skipped: plain ImageJ 1 needs a display (run the tests under xvfb-run)");
        assumeTrue(ImageJ1Install.depsBuilt(), "skipped: no " + ImageJ1Install.DEPS
                + " (the build copies it before the tests: mvn test, not the IDE alone)");
    }

    @Test
    void textToImageRunsFromAnInstallWithTheJarsInPluginsJars() throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        Path install = ImageJ1Install.install(ImageJ1Install.TARGET.resolve("imagej1"), jar -> true);
        Path out = install.resolve("out.tif");
        String macro = "run(\"Text to Image...\", \"" + CommandFixtures.textToImageOptions(c) + "\");\n"
                + "saveAs(\"Tiff\", \"" + out + "\");\n";
        ImageJ1Install.Run run = ImageJ1Install.runMacro(install, macro, 180, "imagej1-install-text-to-image.png");
        assertTrue(Files.exists(out), "no picture from ImageJ 1 (exit " + run.exitStatus() + "; a dialog that waited "
                + "is in target/screenshots/imagej1-install-text-to-image.png)\nstderr: " + run.stderr()
                + "\nstdout: " + run.stdout());
        assertEquals(0, run.exitStatus());
        var imp = ij.IJ.openImage(out.toString());
        assertNotNull(imp, "cannot open " + out);
        int[] size = CommandFixtures.size(c);
        assertEquals(size[0], imp.getWidth());
        assertEquals(size[1], imp.getHeight());
        assertEquals(CommandFixtures.batch(c), imp.getStackSize());
        CommandFixtures.assertRgbStackMatches(CommandFixtures.goldenImages(c), imp, 1e-4);
    }

    @Test
    void anInstallWithoutTheEngineJarSaysWhichJarIsMissingAndWhereItGoes() throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        Path install = ImageJ1Install.install(ImageJ1Install.TARGET.resolve("imagej1-no-engine"),
                jar -> !jar.startsWith("pytorch-engine-"));
        String macro = "run(\"Text to Image...\", \"" + CommandFixtures.textToImageOptions(c) + "\");\n";
        ImageJ1Install.Run run = ImageJ1Install.runUntilError(install, macro, "Install).", 300,
                "imagej1-install-missing-engine-error.png");
        String said = run.stderr().replaceAll("\\s+", " "); // the message is wrapped for its dialog
        assertTrue(said.contains("The PyTorch engine was not found: ImageJ does not see pytorch-engine-"), said);
        assertTrue(said.contains("into ImageJ's plugins/jars/ folder (ImageJ 1)"), said);
    }
}
