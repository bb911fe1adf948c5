package org.sdij.ij;

import ij.IJ;
import ij.Menus;
import ij.macro.Interpreter;

import java.util.Hashtable;

/** Runs macro code through ImageJ's real interpreter, as a user's macro or a batch job would. */
public final class MacroHarness {

    static {
        ImageJHarness.init();
    }

    private MacroHarness() {
    }

    /**
     * Runs the macro and returns its last output ({@code return} value); a macro error or
     * a command that stopped the macro throws, with ImageJ's message.
     */
    public static String run(String macro) {
        return run(macro, null);
    }

    /** Runs the macro with an argument, as {@code getArgument()} returns it. */
    public static String run(String macro, String argument) {
        Interpreter interpreter = new Interpreter();
        interpreter.setIgnoreErrors(true);
        String result = interpreter.run(macro, argument);
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
}
