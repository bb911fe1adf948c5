package org.sdij.ij;

import ij.IJ;
import ij.Macro;

import java.awt.EventQueue;

/** What every command does the same way: report errors, and keep long work off the event thread. */
final class Commands {

    private Commands() {
    }

    /**
     * Shows a command's error. Inside a macro it then stops the macro (ImageJ's "Macro canceled"), so a
     * batch job does not go on with a missing result.
     */
    static void error(String command, String message) {
        IJ.error(command.replace("...", ""), message);
        if (Macro.getOptions() != null) throw new RuntimeException(Macro.MACRO_CANCELED);
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
