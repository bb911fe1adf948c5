package org.sdij.ij;

import net.imagej.patcher.LegacyInjector;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;

/**
 * Prepares ImageJ 1 for tests: ij1-patcher's hooks (so IJ.run works headless) and the menu entries of
 * our plugins.config. Every test class that touches ImageJ calls {@link #init()} in a static block
 * before any ij class loads, and keeps ij types out of its fields and method signatures (JUnit reads
 * those while it discovers tests, before any test runs). This class itself names no ij type.
 *
 * <p>The build copies plugins.config into target/classes; ij1-patcher reads {@code plugins.config} of
 * every folder listed in the system property {@code ij1.plugin.dirs} as if it were a plug-in jar, so
 * ImageJ's menus get exactly the entries the packaged jar declares.
 */
public final class ImageJHarness {

    static {
        System.setProperty("ij1.plugin.dirs", pluginsConfigFolder().getPath());
        LegacyInjector.preinit();
    }

    private ImageJHarness() {
    }

    /** Loading this class is the work; calling this makes sure it happened. */
    public static void init() {
    }

    /** The folder holding the built plugins.config (target/classes). */
    public static File pluginsConfigFolder() {
        URL url = ImageJHarness.class.getResource("/plugins.config");
        if (url == null || !url.getProtocol().equals("file")) {
            throw new IllegalStateException("plugins.config is not on the test class path as a file: " + url);
        }
        try {
            return new File(url.toURI()).getParentFile();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
