package org.sdij.ij;

import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.Menus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.ImageWindow;
import ij.macro.Interpreter;
import ij.text.TextWindow;
import ij.plugin.frame.Recorder;

import javax.imageio.ImageIO;
import java.awt.Button;
import java.awt.Choice;
import java.awt.Frame;
import java.awt.Component;
import java.awt.Container;
import java.awt.EventQueue;
import java.awt.Label;
import java.awt.Menu;
import java.awt.MenuBar;
import java.awt.MenuItem;
import java.awt.Rectangle;
import java.awt.TextField;
import java.awt.Robot;
import java.awt.Toolkit;
import java.awt.event.ActionEvent;
import java.awt.event.ItemEvent;
import java.awt.event.KeyEvent;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GUI work of {@link MenuGuiTest}, kept apart so that a headless JVM never loads it: there
 * ij1-patcher rebuilds GenericDialog without AWT, and code that treats a dialog as a Container would
 * not even pass the class verifier.
 */
final class GuiScreens {

    static final File SCREENSHOTS = new File("target/screenshots");
    /** The menu as plugins.config makes it. */
    static final List<String> ITEMS = List.of("Text to Image...", "Image to Image...",
            "Inpaint Selection...", "Depth to Image...", "Estimate Depth...", "Upscale 4x...", "-",
            "Reproduce from Metadata...", "Download Model...", "Models and Settings...");

    private static ImageJ imagej;
    private static boolean batchMode;

    private GuiScreens() {
    }

    /** Starts ImageJ's main window once (the tests share it). */
    static void startImageJ() throws Exception {
        if (imagej != null) return;
        SCREENSHOTS.mkdirs();
        // ij1-patcher turns batch mode on when a headless test builds the menus without ImageJ's window;
        // a user's ImageJ with its window is not in batch mode
        batchMode = Interpreter.batchMode;
        Interpreter.batchMode = false;
        imagej = IJ.getInstance() != null ? IJ.getInstance() : new ImageJ();
        EventQueue.invokeAndWait(() -> {
            imagej.setLocation(0, 0);
            imagej.toFront();
        });
        new Robot().waitForIdle();
    }

    static void closeImageJ() throws Exception {
        if (imagej != null) EventQueue.invokeAndWait(() -> imagej.setVisible(false));
        Interpreter.batchMode = batchMode;
    }

    /** Checks the menu's items, opens it and takes its picture. */
    static File stableDiffusionMenu() throws Exception {
        MenuBar bar = Menus.getMenuBar();
        assertNotNull(bar, "ImageJ has no menu bar");
        Menu plugins = submenu(bar, "Plugins");
        Menu sd = submenu(plugins, "Stable Diffusion");
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < sd.getItemCount(); i++) labels.add(sd.getItem(i).getLabel());
        assertEquals(ITEMS, labels);
        openWithKeys(bar, plugins, sd);
        File png = capture("stable-diffusion-menu.png", null);
        closeMenus();
        int shotHeight = ImageIO.read(png).getHeight();
        assertTrue(shotHeight > imagej.getHeight() + 100, "no open menu in the screenshot (" + shotHeight + " px high)");
        return png;
    }

    /**
     * Shows the Text to Image dialog with a models folder set, picks the first known model from the list
     * under the model field, checks that every parameter has its label, takes its picture.
     */
    static File textToImageDialog(String modelsFolder) throws Exception {
        ParameterTable table = CommandTables.TEXT_TO_IMAGE;
        useModelsFolder(modelsFolder);
        try {
            GenericDialog gd = table.dialog(table.defaults().with("prompt", "a lighthouse at dawn, oil painting"));
            Thread shower = show(gd);
            List<String> shown = labels(gd, new ArrayList<>());
            for (Field f : table.fields()) {
                String label = f.label().replace('_', ' ');
                assertTrue(shown.stream().anyMatch(s -> s.startsWith(label)), label + " not in " + shown);
            }
            Choice known = find(gd, Choice.class);
            assertEquals(ModelChooser.PICK, known.getItem(0));
            EventQueue.invokeAndWait(() -> {
                known.select(1);
                known.dispatchEvent(new ItemEvent(known, ItemEvent.ITEM_STATE_CHANGED, known.getItem(1), ItemEvent.SELECTED));
            });
            TextField model = (TextField) gd.getStringFields().get(0);
            assertEquals(known.getItem(1), model.getText(), "picking a known model fills the model field");
            settle(new Robot());
            File png = capture("text-to-image-dialog.png", new Rectangle(gd.getLocationOnScreen(), gd.getSize()));
            press(gd, 1, shower); // Cancel
            assertTrue(gd.wasCanceled());
            return png;
        } finally {
            useModelsFolder("");
        }
    }

    /** The Models and Settings dialog as a new user fills it in. */
    static File settingsDialog(String modelsFolder) throws Exception {
        ParameterTable table = CommandTables.SETTINGS;
        GenericDialog gd = table.dialog(table.defaults().with("models_folder", modelsFolder));
        Thread shower = show(gd);
        File png = capture("models-and-settings-dialog.png", new Rectangle(gd.getLocationOnScreen(), gd.getSize()));
        press(gd, 1, shower);
        return png;
    }

    /**
     * Runs Text to Image from the menu's command with options (as a recorded macro line does) on the
     * tiny model, and takes pictures of the new window and of its Show Info text (the metadata).
     */
    static File[] textToImageResult(String model) throws Exception {
        int before = WindowManager.getWindowCount();
        IJ.run("Text to Image...", "model=[" + model + "] prompt=[a lighthouse at dawn] seed=42 steps=4 sampler=ddim num_images=2");
        ImagePlus out = WindowManager.getCurrentImage();
        assertNotNull(out, "no result; log: " + IJ.getLog());
        assertEquals("Text to Image (seed 42)", out.getTitle(), "log: " + IJ.getLog());
        assertEquals(2, out.getStackSize());
        long deadline = System.currentTimeMillis() + 10_000; // a busy machine maps windows late
        while ((out.getWindow() == null || !out.getWindow().isShowing()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(out.getWindow() != null && out.getWindow().isShowing(), "the result has no window (batch mode "
                + ij.macro.Interpreter.isBatchMode() + ", macro " + IJ.isMacro() + ", ImageJ " + IJ.getInstance()
                + ", interpreter " + ij.macro.Interpreter.getInstance() + ")");
        assertEquals(before + 1, WindowManager.getWindowCount(), "one new window");
        IJ.run(out, "Set... ", "zoom=300");
        ImageWindow window = out.getWindow();
        EventQueue.invokeAndWait(() -> {
            window.setLocation(0, 0);
            window.pack();
            window.toFront();
        });
        settle(new Robot());
        File result = capture("text-to-image-result.png", new Rectangle(window.getLocationOnScreen(), window.getSize()));

        IJ.run(out, "Show Info...", "");
        Frame info = WindowManager.getFrame("Info for " + out.getTitle());
        assertNotNull(info, "no Info window");
        // the TextWindow places itself once it is shown: move it only after that, until it stays put
        Robot robot = new Robot();
        for (int attempt = 0; attempt < 20; attempt++) {
            EventQueue.invokeAndWait(() -> {
                info.setBounds(0, 0, 1000, 560);
                info.validate();
                if (info instanceof TextWindow text) {
                    text.getTextPanel().scrollToTop();
                    scrollToLeft(text.getTextPanel());
                }
                info.toFront();
            });
            settle(robot);
            if (info.isShowing() && info.getLocationOnScreen().equals(new java.awt.Point(0, 0))) break;
        }
        File infoPng = capture("text-to-image-info.png", new Rectangle(info.getLocationOnScreen(), info.getSize()));
        EventQueue.invokeAndWait(info::dispose);
        out.changes = false;
        out.close();
        return new File[] {result, infoPng};
    }

    /**
     * Text to Image with live previews: a screenshot of the preview window at the first step (taken while the
     * run waits in {@link PreviewWindow#shownHook}) and of the result that takes its place. Returns the two
     * screenshots and the titles the preview window had.
     */
    static Object[] livePreview(String model) throws Exception {
        ParameterTable settings = CommandTables.SETTINGS;
        settings.remember(settings.defaults().with("preview_every", "1"));
        List<String> titles = new ArrayList<>();
        File[] previewPng = new File[1];
        PreviewWindow.shownHook = imp -> {
            titles.add(imp.getTitle());
            if (previewPng[0] != null) return;
            try {
                long deadline = System.currentTimeMillis() + 10_000; // a busy machine maps windows late
                while ((imp.getWindow() == null || !imp.getWindow().isShowing()) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                ImageWindow window = imp.getWindow();
                assertNotNull(window, "the preview has no window");
                IJ.run(imp, "Set... ", "zoom=300");
                EventQueue.invokeAndWait(() -> {
                    window.setLocation(0, 0);
                    window.pack();
                    window.toFront();
                });
                settle(new Robot());
                previewPng[0] = capture("text-to-image-preview.png",
                        new Rectangle(window.getLocationOnScreen(), window.getSize()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        try {
            IJ.run("Text to Image...", "model=[" + model + "] prompt=[a lighthouse at dawn] seed=42 steps=4 sampler=ddim");
        } finally {
            PreviewWindow.shownHook = null;
        }
        ImagePlus out = WindowManager.getCurrentImage();
        assertNotNull(out, "no result; log: " + IJ.getLog());
        long deadline = System.currentTimeMillis() + 10_000;
        while ((out.getWindow() == null || !out.getWindow().isShowing()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        ImageWindow window = out.getWindow();
        assertNotNull(window, "the result has no window");
        EventQueue.invokeAndWait(window::toFront);
        settle(new Robot());
        File resultPng = capture("text-to-image-after-preview.png",
                new Rectangle(window.getLocationOnScreen(), window.getSize()));
        String resultTitle = out.getTitle();
        for (int id : WindowManager.getIDList()) {
            assertTrue(!WindowManager.getImage(id).getTitle().contains("[preview"), "a preview window is left open");
        }
        out.changes = false;
        out.close();
        return new Object[] {previewPng[0], resultPng, titles, resultTitle};
    }

    /** The Info panel opens scrolled to the end of its longest line (the parameters): show the lines' starts. */
    private static void scrollToLeft(ij.text.TextPanel panel) {
        for (Component c : panel.getComponents()) {
            if (c instanceof java.awt.Scrollbar bar && bar.getOrientation() == java.awt.Scrollbar.HORIZONTAL) {
                bar.setValue(0);
                panel.adjustmentValueChanged(new java.awt.event.AdjustmentEvent(bar,
                        java.awt.event.AdjustmentEvent.ADJUSTMENT_VALUE_CHANGED, java.awt.event.AdjustmentEvent.TRACK, 0));
            }
        }
    }

    private static void useModelsFolder(String folder) {
        ParameterTable settings = CommandTables.SETTINGS;
        settings.remember(settings.defaults().with("models_folder", folder));
    }

    private static <T extends Component> T find(Container c, Class<T> type) {
        for (Component child : c.getComponents()) {
            if (type.isInstance(child)) return type.cast(child);
            if (child instanceof Container inner) {
                T found = find(inner, type);
                if (found != null) return found;
            }
        }
        return null;
    }

    /**
     * Types a model and a prompt into a command's dialog, presses OK with ImageJ's Recorder on, and returns
     * what the Recorder wrote for the command, with the values the table read from the dialog.
     */
    static Object[] recordedOptions(ParameterTable table, String model, String promptText) throws Exception {
        boolean wasRecording = Recorder.record;
        Recorder.record = true; // before the dialog exists: GenericDialog looks once
        Recorder.resetCommandOptions(); // without the Recorder's window nothing clears them
        Recorder.setCommand(table.command());
        try {
            GenericDialog gd = table.dialog(table.defaults());
            Thread shower = show(gd);
            TextField modelField = (TextField) gd.getStringFields().get(0);
            TextField prompt = (TextField) gd.getStringFields().get(1);
            EventQueue.invokeAndWait(() -> {
                modelField.setText(model);
                prompt.setText(promptText);
            });
            press(gd, 0, shower); // OK
            ParameterTable.Values values = table.read(gd);
            return new Object[] {values, Recorder.getCommandOptions()};
        } finally {
            Recorder.setCommand(null);
            Recorder.record = wasRecording;
        }
    }

    /**
     * Download Model...'s dialog with a repo id and a token typed in, OK pressed while the Recorder records: the
     * options recorded, the token the command would use, and a picture of the dialog.
     */
    static String[] downloadDialogRecording(String repo, String token) throws Exception {
        boolean wasRecording = Recorder.record;
        Recorder.record = true;
        Recorder.resetCommandOptions();
        Recorder.setCommand(DownloadModelCommand.TABLE.command());
        try {
            DownloadModelCommand.Dialog d = DownloadModelCommand.dialog(DownloadModelCommand.TABLE.defaults()
                    .with("model", DownloadModelCommand.OTHER));
            Thread shower = show(d.gd());
            TextField repoField = (TextField) d.gd().getStringFields().get(0);
            EventQueue.invokeAndWait(() -> {
                repoField.setText(repo);
                d.token().setText(token);
            });
            settle(new Robot());
            File png = capture("download-model-dialog.png",
                    new Rectangle(d.gd().getLocationOnScreen(), d.gd().getSize()));
            press(d.gd(), 0, shower);
            DownloadModelCommand.TABLE.read(d.gd());
            return new String[] {Recorder.getCommandOptions(), d.token().getText(), png.getPath()};
        } finally {
            Recorder.setCommand(null);
            Recorder.record = wasRecording;
        }
    }

    static Thread show(GenericDialog gd) throws Exception {
        Thread shower = new Thread(gd::showDialog, "dialog");
        shower.start();
        long deadline = System.currentTimeMillis() + 5000;
        while (!gd.isShowing() && System.currentTimeMillis() < deadline) Thread.sleep(20);
        assertTrue(gd.isShowing(), "the dialog did not appear");
        settle(new Robot());
        return shower;
    }

    /** Presses a dialog button (0 = OK, 1 = Cancel) and waits for showDialog to return. */
    static void press(GenericDialog gd, int index, Thread shower) throws Exception {
        Button button = gd.getButtons()[index];
        EventQueue.invokeAndWait(() -> gd.actionPerformed(
                new ActionEvent(button, ActionEvent.ACTION_PERFORMED, button.getLabel())));
        shower.join(5000);
        assertTrue(!shower.isAlive(), "the dialog did not close");
    }

    private static Menu submenu(MenuBar bar, String label) {
        for (int i = 0; i < bar.getMenuCount(); i++) if (label.equals(bar.getMenu(i).getLabel())) return bar.getMenu(i);
        throw new AssertionError("no menu " + label);
    }

    private static Menu submenu(Menu menu, String label) {
        for (int i = 0; i < menu.getItemCount(); i++) {
            if (menu.getItem(i) instanceof Menu m && label.equals(m.getLabel())) return m;
        }
        throw new AssertionError("no submenu " + label + " in " + menu.getLabel());
    }

    /**
     * Opens Plugins > Stable Diffusion the way a keyboard user would: F10 opens File, Left goes round to
     * Plugins, Down to the submenu (separators are skipped), Right opens it.
     */
    private static void openWithKeys(MenuBar bar, Menu plugins, Menu sd) throws Exception {
        Robot robot = new Robot();
        robot.setAutoDelay(40);
        EventQueue.invokeAndWait(() -> imagej.requestFocus());
        robot.waitForIdle();
        type(robot, KeyEvent.VK_F10);
        settle(robot);
        // Left, not Right: Right on an item that opens a submenu (File > New) opens that submenu
        for (int i = 0; i < bar.getMenuCount() - indexOf(bar, plugins); i++) {
            type(robot, KeyEvent.VK_LEFT);
            settle(robot);
        }
        int selectable = 0;
        for (int i = 0; i < plugins.getItemCount(); i++) {
            MenuItem item = plugins.getItem(i);
            if (item == sd) break;
            if (!item.getLabel().equals("-") && item.isEnabled()) selectable++;
        }
        for (int i = 0; i < selectable; i++) type(robot, KeyEvent.VK_DOWN); // the first item starts selected
        settle(robot);
        type(robot, KeyEvent.VK_RIGHT);
        settle(robot);
    }

    /** Lets a menu window open before the next key (XAWT drops keys sent while it maps the window). */
    static void settle(Robot robot) throws InterruptedException {
        robot.waitForIdle();
        Thread.sleep(150);
    }

    private static int indexOf(MenuBar bar, Menu menu) {
        for (int i = 0; i < bar.getMenuCount(); i++) if (bar.getMenu(i) == menu) return i;
        return -1;
    }

    private static void closeMenus() throws Exception {
        Robot robot = new Robot();
        for (int i = 0; i < 3; i++) type(robot, KeyEvent.VK_ESCAPE);
        robot.waitForIdle();
    }

    private static void type(Robot robot, int key) {
        robot.keyPress(key);
        robot.keyRelease(key);
    }

    private static List<String> labels(Container c, List<String> out) {
        for (Component child : c.getComponents()) {
            if (child instanceof Label l) out.add(l.getText());
            if (child instanceof Container inner) labels(inner, out);
        }
        return out;
    }

    /** A screenshot of the area, or of everything drawn on the screen (its non-background bounding box). */
    static File capture(String name, Rectangle area) throws IOException, Exception {
        Rectangle screen = new Rectangle(Toolkit.getDefaultToolkit().getScreenSize());
        BufferedImage shot = new Robot().createScreenCapture(area == null ? screen : area.intersection(screen));
        if (area == null) shot = cropToContent(shot);
        File file = new File(SCREENSHOTS, name);
        ImageIO.write(shot, "png", file);
        return file;
    }

    private static BufferedImage cropToContent(BufferedImage img) {
        int background = img.getRGB(img.getWidth() - 1, img.getHeight() - 1);
        int minX = img.getWidth(), minY = img.getHeight(), maxX = -1, maxY = -1;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (img.getRGB(x, y) != background) {
                    minX = Math.min(minX, x);
                    minY = Math.min(minY, y);
                    maxX = Math.max(maxX, x);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        return maxX < 0 ? img : img.getSubimage(minX, minY, maxX - minX + 1, maxY - minY + 1);
    }
}
