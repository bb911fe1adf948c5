package org.sdij.ij;

import javax.imageio.ImageIO;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.Toolkit;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A plain ImageJ 1 folder with sd-ij installed as the README says (Install, plain ImageJ 1.x), and a separate
 * JVM that runs a macro in it with only ij.jar on its class path (not a test class; reusable for other installs).
 *
 * <p>The README's steps: {@code mvn -B package -DskipTests} makes {@code target/sd_ij-<version>.jar} and
 * {@code target/deps/}; the plug-in jar goes into {@code plugins/}, every jar of {@code target/deps/} but
 * {@code ij-*.jar} into {@code plugins/jars/}; ImageJ itself is {@code ij.jar}. The tests run before
 * {@code package}, so the plug-in jar is made here from target/classes (what the jar plugin packs: the classes,
 * the resources and plugins.config); target/deps is the build's own (copied before the tests).
 */
final class ImageJ1Install {

    static final Path TARGET = Paths.get("target").toAbsolutePath();
    static final Path DEPS = TARGET.resolve("deps");

    private ImageJ1Install() {
    }

    /** What a run of a macro gave: its exit status (null when it was stopped at the time limit) and its output. */
    record Run(Integer exitStatus, String stdout, String stderr) {
    }

    /** Whether the build made target/deps (the README's second step), which the install needs. */
    static boolean depsBuilt() {
        try (Stream<Path> jars = Files.list(DEPS)) {
            return jars.anyMatch(p -> p.getFileName().toString().startsWith("pytorch-engine-"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Makes {@code folder} (emptied first) an ImageJ 1 install: ij.jar, plugins/sd_ij-test.jar and plugins/jars/ with
     * the jars of target/deps that {@code keep} accepts (all but ij-*.jar, as the README says, when it accepts all).
     */
    static Path install(Path folder, Predicate<String> keep) throws IOException {
        deleteTree(folder);
        Path jars = Files.createDirectories(folder.resolve("plugins/jars"));
        List<Path> deps;
        try (Stream<Path> s = Files.list(DEPS)) {
            deps = s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
        for (Path jar : deps) {
            String name = jar.getFileName().toString();
            if (name.startsWith("ij-")) linkOrCopy(jar, folder.resolve("ij.jar"));
            else if (keep.test(name)) linkOrCopy(jar, jars.resolve(name));
        }
        if (!Files.exists(folder.resolve("ij.jar"))) throw new IllegalStateException("no ij-*.jar in " + DEPS);
        pluginJar(TARGET.resolve("classes"), folder.resolve("plugins/sd_ij-test.jar"));
        return folder;
    }

    /**
     * Runs {@code macro} as {@code java -jar ij.jar -batch macro.ijm} in the install, as a user's batch job would,
     * with a home folder of its own (fresh ImageJ preferences) but the machine's DJL cache (libtorch unpacked
     * once). Stops it after {@code seconds}, taking a picture of the screen first (a dialog that waits for a
     * click) as {@code target/screenshots/<screenshot>}.
     */
    static Run runMacro(Path install, String macro, int seconds, String screenshot) throws Exception {
        Process p = start(install, macro);
        Integer status = null;
        if (p.waitFor(seconds, TimeUnit.SECONDS)) {
            status = p.exitValue();
        } else {
            screenshot(screenshot);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return output(install, status);
    }

    /**
     * Waits until the macro's standard error holds {@code text} (a command's error, which ImageJ then shows in a
     * dialog that waits for a click), takes a picture of the screen and stops the JVM.
     */
    static Run runUntilError(Path install, String macro, String text, int seconds, String screenshot) throws Exception {
        Process p = start(install, macro);
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        Path err = install.resolve("stderr.txt");
        while (p.isAlive() && System.currentTimeMillis() < deadline && !Files.readString(err).contains(text)) {
            Thread.sleep(200);
        }
        if (!p.isAlive()) return output(install, p.exitValue());
        Thread.sleep(2000); // the dialog comes just after the message
        screenshot(screenshot);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return output(install, null);
    }

    private static Process start(Path install, String macro) throws IOException {
        Path file = install.resolve("macro.ijm");
        Files.writeString(file, macro, StandardCharsets.UTF_8);
        Path home = Files.createDirectories(install.resolve("home"));
        String djlCache = System.getenv().getOrDefault("DJL_CACHE_DIR",
                Paths.get(System.getProperty("user.home"), ".djl.ai").toString());
        return new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home, "-DDJL_CACHE_DIR=" + djlCache, "-Dai.djl.offline=true",
                "-Dsdij.cache=" + TARGET.resolve("sdij-cache"),
                "-jar", "ij.jar", "-ijpath", install.toString(), "-batch", file.toString())
                .directory(install.toFile())
                .redirectOutput(install.resolve("stdout.txt").toFile())
                .redirectError(install.resolve("stderr.txt").toFile()).start();
    }

    private static Run output(Path install, Integer status) throws IOException {
        return new Run(status, Files.readString(install.resolve("stdout.txt")),
                Files.readString(install.resolve("stderr.txt")));
    }

    /** The plug-in jar as the build packs it: everything under target/classes. */
    static void pluginJar(Path classes, Path jar) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(classes)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            for (Path f : files) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, j);
                j.closeEntry();
            }
        }
    }

    private static void linkOrCopy(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from); // libtorch's jar is 110 MB: a hard link where the file system allows
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to);
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) return;
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static void screenshot(String name) {
        try {
            File dir = new File("target/screenshots");
            dir.mkdirs();
            Rectangle screen = new Rectangle(Toolkit.getDefaultToolkit().getScreenSize());
            ImageIO.write(new Robot().createScreenCapture(screen), "png", new File(dir, name));
        } catch (Exception | Error e) {
            System.err.println("no screenshot " + name + ": " + e);
        }
    }
}
