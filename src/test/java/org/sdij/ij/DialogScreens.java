package org.sdij.ij;

import ij.gui.GenericDialog;
import ij.gui.MessageDialog;
import ij.plugin.frame.Recorder;

import java.awt.Button;
import java.awt.Dialog;
import java.awt.EventQueue;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.TextField;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user at a command's dialog (real dialogs under Xvfb, through {@link ParameterTable#ask}, as the menu runs
 * it): a bad number, the message, the dialog again as typed, and what the macro Recorder keeps. GUI only, like
 * {@link GuiScreens}.
 */
final class DialogScreens {

    private DialogScreens() {
    }

    /**
     * Types a model, a prompt and steps "abc" into Text to Image, presses OK: the message says what is wrong and
     * the dialog comes back holding everything typed (steps "abc" too); steps 3 and OK then give the typed values,
     * and the Recorder holds only that run's options. A cancelled dialog is not recorded.
     *
     * @return the pictures of the message and of the dialog shown again
     */
    static File[] badNumberKeepsWhatWasTyped(String model) throws Exception {
        ParameterTable table = CommandTables.TEXT_TO_IMAGE;
        Recorder[] recorder = new Recorder[1];
        EventQueue.invokeAndWait(() -> recorder[0] = new Recorder()); // Plugins > Macros > Record...
        try {
            AtomicReference<ParameterTable.Values> answer = new AtomicReference<>();
            Thread asker = menuRun(table, answer);
            GenericDialog first = waitFor(GenericDialog.class, null);
            int steps = numericIndex(table, "steps");
            EventQueue.invokeAndWait(() -> {
                text(first.getStringFields(), 0).setText(model);
                text(first.getStringFields(), 1).setText("a lighthouse at dawn");
                text(first.getNumericFields(), steps).setText("abc");
            });
            click(first, 0);

            MessageDialog message = waitFor(MessageDialog.class, null);
            File messagePng = GuiScreens.capture("bad-number-message.png", placed(message));
            EventQueue.invokeAndWait(message::dispose);

            GenericDialog again = waitFor(GenericDialog.class, first);
            assertEquals(model, text(again.getStringFields(), 0).getText(), "the model as typed");
            assertEquals("a lighthouse at dawn", text(again.getStringFields(), 1).getText(), "the prompt as typed");
            assertEquals("abc", text(again.getNumericFields(), steps).getText(), "the bad value as typed");
            File againPng = GuiScreens.capture("bad-number-dialog-again.png", placed(again));
            EventQueue.invokeAndWait(() -> text(again.getNumericFields(), steps).setText("3"));
            click(again, 0);
            asker.join(10_000);
            assertFalse(asker.isAlive(), "ask() did not return");

            ParameterTable.Values values = answer.get();
            assertNotNull(values);
            assertEquals(3, values.integer("steps"));
            assertEquals("a lighthouse at dawn", values.string("prompt"));
            assertEquals(model, values.string("model"));
            String recorded = recorder[0].getText();
            assertEquals(1, recorded.split("run\\(\"Text to Image", -1).length - 1, "one line: " + recorded);
            assertTrue(recorded.contains("steps=3") && !recorded.contains("abc"), recorded);
            String options = recorded.substring(recorded.indexOf("\", \"") + 4, recorded.lastIndexOf("\");"));
            assertEquals(values, table.fromMacro(options), recorded);

            Thread cancelled = menuRun(table, answer);
            GenericDialog third = waitFor(GenericDialog.class, again);
            click(third, 1); // Cancel
            cancelled.join(10_000);
            assertNull(answer.get(), "cancelled");
            assertEquals(recorded, recorder[0].getText(), "a cancelled dialog is not recorded");
            return new File[] {messagePng, againPng};
        } finally {
            EventQueue.invokeAndWait(() -> recorder[0].close());
            table.remember(table.defaults());
        }
    }

    /**
     * The command run as ImageJ's menu runs it: on a thread named after the command, the Recorder told the
     * command before and asked to save its line after.
     */
    private static Thread menuRun(ParameterTable table, AtomicReference<ParameterTable.Values> answer) {
        Thread t = new Thread(() -> {
            Recorder.setCommand(table.command());
            answer.set(table.ask());
            Recorder.saveCommand();
        }, table.command());
        t.start();
        return t;
    }

    /**
     * Every command's dialog has a Help button; pressed in Text to Image it opens a window listing the parameters
     * and naming the README's section.
     *
     * @return the picture of the help window
     */
    static File helpButton() throws Exception {
        for (ParameterTable table : CommandTables.all()) {
            GenericDialog gd = table.dialog(table.defaults());
            Button help = gd.getButtons()[3];
            assertNotNull(help, table.command() + " has no Help button");
            assertTrue(table.helpHtml().contains("README.md of sd-ij, section <i>ImageJ and Fiji</i>"), table.helpHtml());
            for (Field f : table.fields()) assertTrue(table.helpHtml().contains("<tt>" + f.key() + "</tt>"), f.key());
            EventQueue.invokeAndWait(gd::dispose);
        }
        ParameterTable table = CommandTables.TEXT_TO_IMAGE;
        GenericDialog gd = table.dialog(table.defaults());
        Thread shower = GuiScreens.show(gd);
        Button help = gd.getButtons()[3];
        EventQueue.invokeLater(() -> gd.actionPerformed(new ActionEvent(help, ActionEvent.ACTION_PERFORMED, help.getLabel())));
        ij.gui.HTMLDialog window = waitFor(ij.gui.HTMLDialog.class, null);
        File png = GuiScreens.capture("text-to-image-help.png", placed(window));
        EventQueue.invokeAndWait(window::dispose);
        GuiScreens.press(gd, 1, shower);
        return png;
    }

    /**
     * Depth to Image's dialog with the input active and other images open starts its depth field at the image
     * named like a depth map, not at the input.
     */
    static void depthPickerPrefersADepthMap() throws Exception {
        List<ij.ImagePlus> shown = new ArrayList<>();
        try {
            for (String title : List.of("photo.tif", "notes.tif", "Scene_Depth.tif")) {
                ij.ImagePlus imp = ij.IJ.createImage(title, "8-bit black", 16, 16, 1);
                imp.show();
                shown.add(imp);
            }
            ij.WindowManager.setTempCurrentImage(shown.get(0));
            ParameterTable table = CommandTables.DEPTH_TO_IMAGE;
            GenericDialog gd = table.dialog(table.defaults());
            int images = 0;
            for (Field f : table.fields()) {
                if (f.type() == Field.Type.IMAGE) break;
                if (f.type() == Field.Type.CHOICE) images++;
            }
            assertEquals("Scene_Depth.tif", ((java.awt.Choice) gd.getChoices().get(images)).getSelectedItem());
            EventQueue.invokeAndWait(gd::dispose);
        } finally {
            ij.WindowManager.setTempCurrentImage(null);
            for (ij.ImagePlus imp : shown) {
                imp.changes = false;
                imp.close();
            }
        }
    }

    /** The dialog's area on the screen once the window manager has put it in its place. */
    private static Rectangle placed(Dialog d) throws Exception {
        Robot robot = new Robot();
        Rectangle before = null;
        for (int i = 0; i < 30; i++) {
            GuiScreens.settle(robot);
            Rectangle now = new Rectangle(d.getLocationOnScreen(), d.getSize());
            if (now.equals(before)) return now;
            before = now;
        }
        return before;
    }

    /** The position of a number field among the dialog's numeric fields. */
    private static int numericIndex(ParameterTable table, String key) {
        int i = 0;
        for (Field f : table.fields()) {
            if (f.key().equals(key)) return i;
            if (f.type() == Field.Type.INT || f.type() == Field.Type.DOUBLE) i++;
        }
        throw new AssertionError("no " + key);
    }

    private static TextField text(List<?> fields, int index) {
        return (TextField) fields.get(index);
    }

    /** Presses a dialog button (0 = OK, 1 = Cancel) without waiting: the asking thread goes on. */
    private static void click(GenericDialog gd, int index) throws Exception {
        Button button = gd.getButtons()[index];
        EventQueue.invokeAndWait(() -> gd.actionPerformed(
                new ActionEvent(button, ActionEvent.ACTION_PERFORMED, button.getLabel())));
    }

    /** The showing dialog of this type other than {@code notThis}, once it has appeared. */
    private static <T extends Dialog> T waitFor(Class<T> type, Dialog notThis) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            List<T> showing = new ArrayList<>();
            for (Window w : Window.getWindows()) {
                if (type.isInstance(w) && w != notThis && w.isShowing()) showing.add(type.cast(w));
            }
            if (!showing.isEmpty()) return showing.get(showing.size() - 1);
            Thread.sleep(50);
        }
        throw new AssertionError("no " + type.getSimpleName() + " appeared");
    }
}
