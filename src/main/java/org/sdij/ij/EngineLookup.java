package org.sdij.ij;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs model work with the plug-in's own class loader as the thread's context class loader. DJL finds its
 * engine (a ServiceLoader over its engine providers, once, when it first starts) and libtorch's files through
 * the context class loader; in ImageJ 1 the thread of a menu command or a macro has the system class loader
 * there, which does not see the jars in {@code plugins/} and {@code plugins/jars/}, so DJL would say "Deep
 * learning engine not found: PyTorch". The loader that loaded this class sees them (in Fiji it is the same).
 *
 * <p>When the engine is still missing, the message says which of the jars the plug-in needs its class loader
 * cannot see, and where they go. This class names no DJL type, so it works when DJL itself is missing.
 */
final class EngineLookup {

    /** Work that needs the engine. */
    interface Work<T> {
        T run() throws IOException;
    }

    /** A jar the plug-in needs beside ImageJ, and a class file or resource only that jar has. */
    private record Needed(String jar, String probe) {
        boolean visibleTo(ClassLoader loader) {
            return loader.getResource(probe) != null;
        }
    }

    /** DJL and libtorch (which Fiji does not ship), then what Fiji ships but plain ImageJ 1 lacks. */
    private static final List<Needed> NEEDED = List.of(
            new Needed("api-<djl version>.jar (DJL)", "ai/djl/engine/Engine.class"),
            new Needed("pytorch-engine-<djl version>.jar", "ai/djl/pytorch/engine/PtEngineProvider.class"),
            new Needed("pytorch-jni-<libtorch version>-<djl version>.jar", "jnilib/pytorch.properties"),
            new Needed("pytorch-native-cpu-<libtorch version>-<platform>.jar (libtorch)", "native/lib/pytorch.properties"),
            new Needed("tokenizers-<djl version>.jar", "ai/djl/huggingface/tokenizers/HuggingFaceTokenizer.class"),
            new Needed("gson", "com/google/gson/Gson.class"),
            new Needed("jna", "com/sun/jna/Native.class"),
            new Needed("slf4j-api", "org/slf4j/LoggerFactory.class"),
            new Needed("commons-compress", "org/apache/commons/compress/archivers/ArchiveEntry.class"));

    private EngineLookup() {
    }

    /** The plug-in's class loader: the one that sees the jars installed beside it. */
    static ClassLoader pluginLoader() {
        return EngineLookup.class.getClassLoader();
    }

    /**
     * Runs the work with {@link #pluginLoader()} as the context class loader (restored after); an engine that
     * cannot be found, or a DJL class that is missing, becomes an {@link IllegalStateException} saying what to
     * install where.
     */
    static <T> T withPluginLoader(Work<T> work) throws IOException {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(pluginLoader());
        try {
            return work.run();
        } catch (RuntimeException e) {
            if (isEngineMissing(e)) throw notFound(e);
            throw e;
        } catch (NoClassDefFoundError | UnsatisfiedLinkError e) {
            throw notFound(e);
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    /** DJL's words for an engine its ServiceLoader did not find. */
    static boolean isEngineMissing(Throwable e) {
        String m = String.valueOf(e.getMessage());
        return m.startsWith("Deep learning engine not found") || m.startsWith("No deep learning engine found");
    }

    /** The jars the plug-in's class loader does not see, as {@link #NEEDED} names them. */
    static List<String> missingJars(ClassLoader loader) {
        List<String> missing = new ArrayList<>();
        for (Needed n : NEEDED) if (!n.visibleTo(loader)) missing.add(n.jar());
        return missing;
    }

    /** What the user reads when the engine cannot start: what is missing, where the jars go. */
    static IllegalStateException notFound(Throwable cause) {
        List<String> missing = missingJars(pluginLoader());
        String what = missing.isEmpty()
                ? "The PyTorch engine did not start (" + cause + "), although its jars are installed. "
                : "The PyTorch engine was not found: ImageJ does not see " + String.join(", ", missing) + ". ";
        return new IllegalStateException(what + "Install sd-ij with bin/install-into-fiji (Fiji), or put the jars of the "
                + "plug-in's target/deps/ folder (all but ij-*.jar) into ImageJ's plugins/jars/ folder (ImageJ 1) and "
                + "the sd_ij jar into plugins/; then restart ImageJ (README, Install).", cause);
    }
}
