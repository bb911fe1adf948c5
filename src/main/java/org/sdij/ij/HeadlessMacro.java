package org.sdij.ij;

import ij.IJ;
import ij.Menus;
import ij.macro.Interpreter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The ImageJ side of {@link MacroRunner}: our menu commands registered, the macro run through ImageJ's interpreter. */
final class HeadlessMacro {

    /** A plugins.config entry: {@code Menu>Sub, "Label...", class.Name}. */
    private static final Pattern ENTRY = Pattern.compile("^[^,#]+,\\s*\"([^\"]+)\",\\s*([\\w.$]+)\\s*$");

    private HeadlessMacro() {
    }

    static int run(String name, String macro, String argument, PrintStream err) {
        registerCommands();
        boolean batchMode = Interpreter.batchMode;
        Interpreter interpreter = new Interpreter();
        interpreter.setIgnoreErrors(true);
        try {
            // on the macro's first line, so the interpreter's line numbers stay the file's
            String result = interpreter.run("setBatchMode(true); " + macro, argument);
            String error = interpreter.getErrorMessage();
            if (error != null) {
                err.println("sd-ij macro: " + name + ": " + error);
                return 1;
            }
            if (interpreter.wasError() || "[aborted]".equals(result)) {
                err.println("sd-ij macro: " + name + " was stopped by a command (see its message above)");
                return 1;
            }
            return 0;
        } finally {
            Interpreter.batchMode = batchMode; // a macro stopped by an error leaves it on
            ModelCache.unload();
        }
    }

    /** ImageJ's command table with every entry of our plugins.config, whatever ImageJ found by itself. */
    static void registerCommands() {
        if (Menus.getCommands() == null) IJ.runPlugIn("ij.IJ.init", ""); // ij1-patcher: menus without a window
        @SuppressWarnings("unchecked")
        Hashtable<String, Object> commands = (Hashtable<String, Object>) (Hashtable<?, ?>) Menus.getCommands();
        for (Map.Entry<String, String> e : entries().entrySet()) commands.putIfAbsent(e.getKey(), e.getValue());
    }

    /** Label to class, as our plugins.config lists them. */
    static Map<String, String> entries() {
        Map<String, String> entries = new LinkedHashMap<>();
        try (InputStream in = HeadlessMacro.class.getResourceAsStream("/plugins.config")) {
            if (in == null) throw new IllegalStateException("plugins.config is missing from sd-ij's jar");
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                Matcher m = ENTRY.matcher(line.trim());
                if (m.matches()) entries.put(m.group(1), m.group(2));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read plugins.config: " + e.getMessage());
        }
        return entries;
    }
}
