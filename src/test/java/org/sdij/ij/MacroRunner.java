package org.sdij.ij;

import ij.IJ;
import ij.Menus;
import ij.WindowManager;
import ij.macro.Interpreter;

import java.util.Hashtable;

/** Runs macro code through ImageJ's real interpreter, as a user's macro or a batch job would. */
public final class MacroRunner {

    static {
        ImageJHarness.init();
    }

    private MacroRunner() {
    }

    /**
     * Runs the macro in batch mode and returns its last output ({@code return} value); a macro error or
     * a command that stopped the macro throws, with ImageJ's message.
     */
    public static String run(String macro) {
        Interpreter interpreter = new Interpreter();
        interpreter.setIgnoreErrors(true);
        String result = interpreter.run(macro, null);
        String error = interpreter.getErrorMessage();
        if (error != null) throw new AssertionError("Macro failed: " + error + "\n" + macro);
        if (interpreter.wasError() || "[aborted]".equals(result)) {
            throw new AssertionError("Macro was aborted\n" + macro);
        }
        return result;
    }

    /** The class ImageJ's menus run for a command, or null when the command is unknown. */
    public static String commandClass(String command) {
        if (Menus.getCommands() == null) IJ.runPlugIn("ij.IJ.init", ""); // ij1-patcher: builds the menus, no window
        Hashtable<?, ?> commands = Menus.getCommands();
        Object className = commands == null ? null : commands.get(command);
        return className == null ? null : className.toString();
    }

    public static void closeAllImages() {
        int[] ids = WindowManager.getIDList();
        if (ids == null) return;
        for (int id : ids) {
            var imp = WindowManager.getImage(id);
            if (imp != null) {
                imp.changes = false;
                imp.close();
            }
        }
    }
}
