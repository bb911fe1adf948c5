package org.sdij.ij;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.awt.GraphicsEnvironment;
import java.awt.Toolkit;
import java.io.File;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The commands' dialogs as a user meets them, in ImageJ's real GUI (under Xvfb in CI), captured as
 * target/screenshots/*.png; skipped where no display can be had. The GUI code lives in {@link DialogScreens}.
 */
class DialogGuiTest {

    static {
        ImageJHarness.init();
    }

    @BeforeEach
    void startImageJ() throws Exception {
        assumeFalse(GraphicsEnvironment.isHeadless(),
                "GUI test skipped: no display (set DISPLAY, e.g. run the tests under xvfb-run)");
        assumeTrue(toolkitStarts(), "GUI test skipped: AWT cannot open the display " + System.getenv("DISPLAY"));
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
    void aBadNumberShowsTheDialogAgainAsTypedAndOnlyTheGoodRunIsRecorded() throws Exception {
        for (File png : DialogScreens.badNumberKeepsWhatWasTyped("sd-v1-5")) {
            assertTrue(png.length() > 0, png + " is empty");
        }
    }

    @Test
    void everyDialogHasAHelpButtonThatListsItsParameters() throws Exception {
        File png = DialogScreens.helpButton();
        assertTrue(png.length() > 0, png + " is empty");
    }

    @Test
    void theDepthFieldStartsAtTheImageNamedLikeADepthMap() throws Exception {
        DialogScreens.depthPickerPrefersADepthMap();
    }
}
