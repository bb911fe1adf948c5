package org.sdij.ij;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sdij.Reference;

import java.awt.GraphicsEnvironment;
import java.awt.Toolkit;
import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * ImageJ's real GUI (under Xvfb in CI): the Plugins > Stable Diffusion menu and its items, the Models and
 * Settings and Text to Image dialogs, a Text to Image result window and its Info, captured as
 * target/screenshots/*.png. Skipped where no display can be had. The GUI code
 * lives in {@link GuiScreens}, which a headless JVM never loads.
 */
class MenuGuiTest {

    static {
        ImageJHarness.init();
    }

    @BeforeEach
    void startImageJ() throws Exception {
        assumeFalse(GraphicsEnvironment.isHeadless(),
                "GUI test skipped: no display (set DISPLAY, e.g. run the tests under xvfb-run)");
        assumeTrue(toolkitStarts(), "GUI test skipped: AWT cannot open the display " + System.getenv("DISPLAY")
                + " (a -headless JRE has no libawt_xawt.so: install the full JRE)");
        GuiScreens.startImageJ();
    }

    private static boolean toolkitStarts() {
        try {
            return Toolkit.getDefaultToolkit().getScreenSize().width > 0;
        } catch (Throwable t) {
            return false;
        }
    }

    @AfterAll
    static void closeImageJ() throws Exception {
        if (!GraphicsEnvironment.isHeadless()) GuiScreens.closeImageJ();
    }

    @Test
    void theStableDiffusionMenuHoldsEveryCommand() throws Exception {
        File png = GuiScreens.stableDiffusionMenu();
        assertTrue(png.length() > 0, png + " is empty");
    }

    @Test
    void aDialogIsRecordedWithTheTableKeysAndTheRecordingReadsBack() throws Exception {
        Object[] valuesAndRecording = GuiScreens.recordedOptions(CommandTables.INPAINT, "", "a [small] boat, at sea");
        ParameterTable.Values values = (ParameterTable.Values) valuesAndRecording[0];
        String recorded = (String) valuesAndRecording[1];
        assertEquals("a [small] boat, at sea", values.string("prompt"));
        assertTrue(recorded.contains("prompt=[a [small] boat, at sea] negative_prompt=[]"), recorded);
        assertTrue(recorded.contains(" paste_back "), recorded);
        assertEquals(values, CommandTables.INPAINT.fromMacro(recorded), recorded);

        valuesAndRecording = GuiScreens.recordedOptions(CommandTables.TEXT_TO_IMAGE, "sd-v1-5", "a lighthouse at dawn");
        recorded = (String) valuesAndRecording[1];
        assertTrue(recorded.startsWith("model=sd-v1-5 prompt=[a lighthouse at dawn] "), recorded);
        assertEquals(valuesAndRecording[0], CommandTables.TEXT_TO_IMAGE.fromMacro(recorded), recorded);
        System.out.println("  Recorded: run(\"Text to Image...\", \"" + recorded.trim() + "\");");
    }

    /** Download Model...'s token reaches the command but neither the Recorder nor the preferences. */
    @Test
    void theDownloadTokenIsNeverRecorded() throws Exception {
        String[] recordedTokenPng = GuiScreens.downloadDialogRecording("org/private-model", "hf_secret_token");
        String recorded = recordedTokenPng[0];
        assertTrue(recorded.contains("model=other repo_id=org/private-model"), recorded);
        assertTrue(!recorded.contains("hf_secret_token"), recorded);
        assertEquals("hf_secret_token", recordedTokenPng[1]);
        for (Field f : DownloadModelCommand.TABLE.fields()) {
            assertTrue(!String.valueOf(ij.Prefs.get(DownloadModelCommand.TABLE.prefsKey(f), "")).contains("hf_secret"));
        }
        assertTrue(new File(recordedTokenPng[2]).length() > 0);
    }

    @Test
    void theDepthToImageDialogOffersToEstimateTheDepthAndRecordsIt() throws Exception {
        Object[] valuesAndRecording = GuiScreens.recordedOptions(CommandTables.DEPTH_TO_IMAGE, "", "a stone statue");
        ParameterTable.Values values = (ParameterTable.Values) valuesAndRecording[0];
        String recorded = (String) valuesAndRecording[1];
        assertEquals(DepthToImageCommand.ESTIMATE, values.string("depth"));
        assertTrue(recorded.contains("depth=[" + DepthToImageCommand.ESTIMATE + "]"), recorded);
        assertEquals(values, CommandTables.DEPTH_TO_IMAGE.fromMacro(recorded), recorded);
    }

    @Test
    void theTextToImageDialogShowsEveryParameterAndTheKnownModels() throws Exception {
        File settings = GuiScreens.settingsDialog(Reference.resolve("tiny-models").toString());
        File png = GuiScreens.textToImageDialog(Reference.resolve("tiny-models").toString());
        assertTrue(png.length() > 0 && settings.length() > 0, png + " is empty");
    }

    @Test
    void textToImageShowsALivePreviewThatTheResultReplaces() throws Exception {
        Object[] shots = GuiScreens.livePreview(Reference.resolve("tiny-models/sd1").toString());
        File preview = (File) shots[0];
        assertTrue(preview != null && preview.length() > 0, "no screenshot of the preview");
        assertTrue(((File) shots[1]).length() > 0);
        @SuppressWarnings("unchecked")
        java.util.List<String> titles = (java.util.List<String>) shots[2];
        assertEquals("Text to Image (seed 42) [preview, step 1/4]", titles.get(0), "the window at the first step");
        assertEquals("Text to Image (seed 42)", shots[3]);
    }

    @Test
    void textToImageOpensOneNewWindowWithItsMetadata() throws Exception {
        for (File png : GuiScreens.textToImageResult(Reference.resolve("tiny-models/sd1").toString())) {
            assertTrue(png.length() > 0, png + " is empty");
        }
    }
}
