package org.sdij.ij;

import ij.IJ;
import ij.Macro;
import ij.plugin.frame.Recorder;

import java.awt.EventQueue;
import java.awt.GraphicsEnvironment;

/** What every command does the same way: report errors, and keep long work off the event thread. */
final class Commands {

    private Commands() {
    }

    /** The longest line of an error dialog: about 600 px in ImageJ's dialog font, so any dialog fits a small screen. */
    static final int ERROR_LINE = 90;

    /**
     * Shows a command's error, wrapped to lines of at most {@link #ERROR_LINE} characters (a model path or a
     * list of tensor names would otherwise make a dialog wider than the screen). Inside a macro it then stops
     * the macro (ImageJ's "Macro canceled"), so a batch job does not go on with a missing result. Without
     * ImageJ's window (a batch job, {@code ImageJ -batch}) the message also goes to standard error, the job's
     * only output that someone reads. A refused run is not recorded by the macro Recorder (its line would
     * fail again on replay).
     */
    static void error(String command, String message) {
        Recorder.disableCommandRecording();
        String text = wrap(String.valueOf(message), ERROR_LINE);
        if (IJ.getInstance() == null && !GraphicsEnvironment.isHeadless()) {
            System.err.println(command.replace("...", "") + ": " + text);
        }
        IJ.error(command.replace("...", ""), text);
        if (Macro.getOptions() != null) throw new RuntimeException(Macro.MACRO_CANCELED);
    }

    /**
     * The text with every line broken at spaces into lines of at most {@code width} characters; line breaks
     * already there stay. A word longer than a line (a path) is cut, after a '/' or '\\' where it has one.
     * Spaces at the breaks are dropped and runs of spaces become one; every other character is kept, in order.
     */
    static String wrap(String text, int width) {
        if (width < 1) throw new IllegalArgumentException("width must be positive: " + width);
        StringBuilder out = new StringBuilder();
        String[] paragraphs = text.split("\n", -1);
        for (int p = 0; p < paragraphs.length; p++) {
            if (p > 0) out.append('\n');
            StringBuilder line = new StringBuilder();
            for (String word : paragraphs[p].split(" ")) {
                if (word.isEmpty()) continue;
                if (line.length() > 0 && line.length() + 1 + word.length() <= width) {
                    line.append(' ').append(word);
                    continue;
                }
                if (line.length() > 0) {
                    out.append(line).append('\n');
                    line.setLength(0);
                }
                while (word.length() > width) {
                    int cut = Math.max(word.lastIndexOf('/', width - 1), word.lastIndexOf('\\', width - 1)) + 1;
                    if (cut < width / 2) cut = width;
                    out.append(word, 0, cut).append('\n');
                    word = word.substring(cut);
                }
                line.append(word);
            }
            out.append(line);
        }
        return out.toString();
    }

    /**
     * Runs the work on the calling thread when that is not the Event Dispatch Thread (menus and macros
     * already run commands on their own thread, and a macro must see the result when run() returns);
     * from the event thread it starts a worker thread and returns at once, so the GUI stays responsive.
     *
     * @return the thread the work runs on
     */
    static Thread offEventThread(String name, Runnable work) {
        if (!EventQueue.isDispatchThread()) {
            work.run();
            return Thread.currentThread();
        }
        Thread worker = new Thread(work, "Run$_" + name);
        worker.start();
        return worker;
    }
}
