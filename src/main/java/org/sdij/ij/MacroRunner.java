package org.sdij.ij;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code bin/sd-ij macro file.ijm [argument...]}: runs an ImageJ macro with no display, as a batch job on
 * a server would, with the Stable Diffusion commands available. The macro runs in batch mode; the
 * arguments, joined by spaces, are what its {@code getArgument()} returns; {@code print} writes to
 * standard output. Exit status: 0 done, 1 the macro failed or a command stopped it, 2 bad usage.
 *
 * <p>This class names no ImageJ type: ij1-patcher must rewrite ImageJ's classes (so that commands run
 * headless) before the first of them is loaded, which {@link HeadlessMacro} then does.
 */
public final class MacroRunner {

    public static final String USAGE = """
            usage: bin/sd-ij macro file.ijm [argument...]
              Runs an ImageJ macro headless, with Plugins > Stable Diffusion's commands available, e.g.
                run("Text to Image...", "model=sd-v1-5 prompt=[a red fox] seed=7 steps=30");
                saveAs("Tiff", getArgument());
              The arguments, joined by spaces, are the macro's getArgument(). Models are found as in
              Models and Settings... (stored in ImageJ's preferences, IJ_Prefs.txt) or by full path.
            """;

    private MacroRunner() {
    }

    /** Runs {@code args} as given to bin/sd-ij ("macro", the file, then its arguments); returns the exit status. */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2 || args[1].equals("--help") || args[1].equals("-h")) {
            (args.length < 2 ? err : out).print(USAGE);
            return args.length < 2 ? 2 : 0;
        }
        Path file = Path.of(args[1]);
        String macro;
        try {
            macro = Files.readString(file);
        } catch (IOException e) {
            err.println("sd-ij macro: cannot read " + file.toAbsolutePath() + " (" + e.getClass().getSimpleName() + ")");
            return 2;
        }
        String argument = String.join(" ", Arrays.copyOfRange(args, 2, args.length));
        String headless = System.setProperty("java.awt.headless", "true");
        try {
            Class.forName("net.imagej.patcher.LegacyInjector").getMethod("preinit").invoke(null);
            return HeadlessMacro.run(file.getFileName().toString(), macro, argument, err);
        } catch (ReflectiveOperationException | LinkageError e) {
            err.println("sd-ij macro: ij1-patcher is not on the class path (" + e + "); it lets ImageJ run commands "
                    + "without a display");
            return 1;
        } finally {
            // run inside another program (a test), leave its setting as it was
            if (headless == null) System.clearProperty("java.awt.headless");
            else System.setProperty("java.awt.headless", headless);
        }
    }
}
