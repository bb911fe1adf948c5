package org.sdij.fiji;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.io.SafeTensorsFile;
import org.sdij.pipeline.PipelineCases;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Fiji.app tree that {@code mvn package} stages (run by {@code mvn verify}), checked against the jars Fiji
 * ships at Fiji's versions (target/fiji-provided, staged beside it): the updater's layout, libtorch for each
 * platform in its folder, no second copy of anything Fiji ships, every class the plug-in's classes name
 * resolves, Fiji's SciJava finds every SciJava command, and a headless macro on a tiny model runs in a JVM that has nothing but these jars.
 */
class FijiAppIT {

    private static final Path APP = Path.of(System.getProperty("sdij.fiji.app", "target/Fiji.app"));
    private static final Path PROVIDED = Path.of(System.getProperty("sdij.fiji.provided", "target/fiji-provided"));
    private static final String PLUGIN_JAR = System.getProperty("sdij.plugin.jar", "");

    /** Fiji's platform folders (imagej-updater's Platforms) and the libtorch build each holds; macos64: none exists. */
    private static final Map<String, String> NATIVES = Map.of("linux64", "linux-x86_64", "linux-arm64", "linux-aarch64",
            "macos-arm64", "osx-aarch64", "win64", "win-x86_64");

    @TempDir
    Path dir;

    private static List<Path> jars(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
        }
    }

    /** "gson" for gson-2.10.1.jar, "pytorch-native-cpu" for pytorch-native-cpu-2.7.1-linux-x86_64.jar. */
    static String artifact(Path jar) {
        return jar.getFileName().toString().replaceFirst("-\\d[^-]*(-[^-]+)*\\.jar$", "").replaceFirst("\\.jar$", "");
    }

    /** What a Fiji on this machine (Linux x64) puts on its class path: plugins/, jars/, jars/linux64/, then Fiji's own. */
    private static List<Path> classPath() throws IOException {
        List<Path> all = new ArrayList<>();
        all.addAll(jars(APP.resolve("plugins")));
        all.addAll(jars(APP.resolve("jars")));
        all.addAll(jars(APP.resolve("jars/linux64")));
        all.addAll(jars(PROVIDED));
        return all;
    }

    @Test
    void theTreeHasTheUpdatersLayout() throws IOException {
        assertTrue(Files.isDirectory(APP), APP + " is missing: run mvn package");
        assertEquals(List.of(PLUGIN_JAR), jars(APP.resolve("plugins")).stream().map(p -> p.getFileName().toString()).toList());
        try (JarFile plugin = new JarFile(APP.resolve("plugins").resolve(PLUGIN_JAR).toFile())) {
            assertTrue(plugin.getEntry("plugins.config") != null, "the plug-in jar has no plugins.config");
        }
        Set<String> folders = new TreeSet<>();
        try (Stream<Path> files = Files.list(APP.resolve("jars"))) {
            files.filter(Files::isDirectory).forEach(f -> folders.add(f.getFileName().toString()));
        }
        assertEquals(new TreeSet<>(NATIVES.keySet()), folders, "platform folders");
        for (var e : NATIVES.entrySet()) {
            List<Path> natives = jars(APP.resolve("jars").resolve(e.getKey()));
            assertEquals(1, natives.size(), e.getKey() + ": " + natives);
            assertEquals("pytorch-native-cpu", artifact(natives.get(0)));
            try (JarFile jar = new JarFile(natives.get(0).toFile())) {
                Properties p = new Properties();
                try (InputStream in = jar.getInputStream(jar.getEntry("native/lib/pytorch.properties"))) {
                    p.load(in);
                }
                assertEquals(e.getValue(), p.getProperty("classifier"), natives.get(0).toString());
            }
        }
        assertEquals(List.of("api", "pytorch-engine", "pytorch-jni", "tokenizers"),
                jars(APP.resolve("jars")).stream().map(FijiAppIT::artifact).toList(), "jars/ holds what Fiji lacks");
    }

    @Test
    void nothingFijiShipsIsThereTwiceAndNoClassIsInTwoJars() throws IOException {
        Map<String, Path> byArtifact = new LinkedHashMap<>();
        for (Path jar : classPath()) {
            Path before = byArtifact.put(artifact(jar), jar);
            assertTrue(before == null, artifact(jar) + " twice: " + before + " and " + jar);
        }
        Map<String, Path> byClass = new LinkedHashMap<>();
        List<String> twice = new ArrayList<>();
        for (Path jar : classPath()) {
            try (JarFile j = new JarFile(jar.toFile())) {
                for (Enumeration<JarEntry> entries = j.entries(); entries.hasMoreElements(); ) {
                    String name = entries.nextElement().getName();
                    if (!name.endsWith(".class") || name.endsWith("module-info.class") || name.startsWith("META-INF/")) continue;
                    Path before = byClass.put(name, jar);
                    if (before != null) twice.add(name + " in " + before.getFileName() + " and " + jar.getFileName());
                }
            }
        }
        assertEquals(List.of(), twice);
    }

    @Test
    void everyClassThePluginNamesResolves() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (Path jar : classPath()) urls.add(jar.toUri().toURL());
        List<String> missing = new ArrayList<>();
        int checked = 0;
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
             JarFile plugin = new JarFile(APP.resolve("plugins").resolve(PLUGIN_JAR).toFile())) {
            for (Enumeration<JarEntry> entries = plugin.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                if (!entry.getName().endsWith(".class")) continue;
                Set<String> named = new TreeSet<>(classesNamedBy(plugin.getInputStream(entry).readAllBytes()));
                named.add(entry.getName().replace(".class", ""));
                for (String name : named) {
                    checked++;
                    try {
                        Class.forName(name.replace('/', '.'), false, loader);
                    } catch (ClassNotFoundException | LinkageError e) {
                        missing.add(name + " (named by " + entry.getName() + "): " + e);
                    }
                }
            }
        }
        assertTrue(checked > 500, "only " + checked + " class names checked");
        assertEquals(List.of(), missing);
    }

    /**
     * SciJava in that Fiji (a Context on the tree's class loader, as Fiji's launcher gives it) finds the plug-in's
     * commands through the jar's plug-in index: every public, concrete Command class of org.sdij.scijava in the
     * jar, Estimate Depth and Download Model among them, and no other of ours.
     */
    @Test
    void fijisSciJavaFindsEveryCommandOfThePlugin() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (Path jar : classPath()) urls.add(jar.toUri().toURL());
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
             JarFile plugin = new JarFile(APP.resolve("plugins").resolve(PLUGIN_JAR).toFile())) {
            Class<?> command = loader.loadClass("org.scijava.command.Command");
            Set<String> inJar = new TreeSet<>();
            for (Enumeration<JarEntry> entries = plugin.entries(); entries.hasMoreElements(); ) {
                String name = entries.nextElement().getName();
                if (!name.startsWith("org/sdij/scijava/") || !name.endsWith(".class") || name.contains("$")) continue;
                Class<?> c = Class.forName(name.replace(".class", "").replace('/', '.'), false, loader);
                int m = c.getModifiers();
                if (command.isAssignableFrom(c) && Modifier.isPublic(m) && !Modifier.isAbstract(m)) inJar.add(c.getName());
            }
            assertTrue(inJar.containsAll(List.of("org.sdij.scijava.EstimateDepth", "org.sdij.scijava.DownloadModel")),
                    inJar.toString());
            thread.setContextClassLoader(loader);
            Class<?> contextClass = loader.loadClass("org.scijava.Context");
            Class<?> commandService = loader.loadClass("org.scijava.command.CommandService");
            Object context = contextClass.getConstructor(Class[].class).newInstance((Object) new Class<?>[] {commandService});
            try {
                Object service = contextClass.getMethod("getService", Class.class).invoke(context, commandService);
                Set<String> found = new TreeSet<>();
                for (Object info : (List<?>) commandService.getMethod("getCommands").invoke(service)) {
                    String name = (String) info.getClass().getMethod("getClassName").invoke(info);
                    if (name.startsWith("org.sdij.")) found.add(name);
                }
                assertEquals(inJar, found, "the commands SciJava finds in the tree");
            } finally {
                contextClass.getMethod("dispose").invoke(context);
            }
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    /** The classes a class file's constant pool names (CONSTANT_Class entries; arrays by their element class). */
    static List<String> classesNamedBy(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) throw new IOException("not a class file");
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        List<Integer> classIndexes = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classIndexes.add(in.readUnsignedShort());
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 15 -> { in.readUnsignedByte(); in.readUnsignedShort(); }
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                case 5, 6 -> { in.readLong(); i++; }
                default -> throw new IOException("constant pool tag " + tag);
            }
        }
        List<String> names = new ArrayList<>();
        for (int index : classIndexes) {
            String name = utf8[index];
            if (name.startsWith("[")) {
                int l = name.indexOf('L');
                if (l < 0) continue; // an array of primitives
                name = name.substring(l + 1, name.length() - 1);
            }
            names.add(name);
        }
        return names;
    }

    /** A seeded txt2img case, run by a headless macro in a JVM with only the tree and Fiji's jars: diffusers' pixels. */
    @Test
    void aHeadlessMacroOnATinyModelRunsFromTheTreeAlone() throws Exception {
        PipelineCases.Case c = PipelineCases.all("txt2img").filter(PipelineCases.Case::seeded).findFirst().orElse(null);
        Assumptions.assumeTrue(c != null, "the reference set has no seeded txt2img case");
        var spec = c.spec();
        long[] shape;
        float[] golden;
        try (SafeTensorsFile g = c.golden(); NDManager m = NDManager.newBaseManager()) {
            shape = g.info("output.images").shape();
            golden = g.load("output.images", m).toFloatArray();
        }
        Path model = Path.of(System.getProperty("sdij.reference")).resolve("tiny-models").resolve(c.tinyModel());
        Path tif = dir.resolve("out.tif");
        Path macro = dir.resolve("txt2img.ijm");
        Files.writeString(macro, "run(\"Text to Image...\", \"model=[" + model + "] prompt=[" + c.prompt()
                + "] negative_prompt=[" + c.negativePrompt() + "] seed=" + spec.get("seed").getAsString()
                + " steps=" + spec.get("steps").getAsString() + " guidance=" + spec.get("guidance_scale").getAsString()
                + " sampler=" + spec.get("scheduler").getAsString() + " num_images=" + c.batch() + " width=" + shape[2]
                + " height=" + shape[1] + " output=32-bit\");\nsaveAs(\"Tiff\", getArgument());\n");

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss8m", "-Dai.djl.offline=true", "-Djava.awt.headless=true",
                "-Duser.home=" + System.getProperty("user.home"), "-Dsdij.cache=" + dir.resolve("cache"),
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "-cp",
                String.join(java.io.File.pathSeparator, classPath().stream().map(Path::toString).toList()),
                "org.sdij.cli.Main", "macro", macro.toString(), tif.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile());
        pb.environment().remove("CLASSPATH");
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the macro did not finish in 5 minutes");
        String log = Files.readString(dir.resolve("log.txt"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), log);
        assertTrue(Files.isRegularFile(tif), "no " + tif + ":\n" + log);

        ij.ImagePlus out = ij.IJ.openImage(tif.toString());
        assertEquals(shape[2], out.getWidth());
        assertEquals(shape[1], out.getHeight());
        assertEquals(3 * shape[0], out.getStackSize(), "R, G, B of every image");
        assertTrue(out.getProp("sdij.model_hash") != null, "the TIFF carries the metadata");
        double worst = 0;
        int perImage = (int) (shape[1] * shape[2] * 3);
        for (int image = 0; image < shape[0]; image++) {
            for (int ch = 0; ch < 3; ch++) {
                float[] plane = (float[]) out.getStack().getPixels(3 * image + ch + 1);
                for (int i = 0; i < plane.length; i++) {
                    worst = Math.max(worst, Math.abs(plane[i] - golden[image * perImage + 3 * i + ch]));
                }
            }
        }
        assertTrue(worst <= 1e-4, "max abs error " + worst + " against diffusers");
    }
}
