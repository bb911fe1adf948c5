package org.sdij;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the golden reference data lives: {@code -Dsdij.reference=DIR}, default {@code ../shared/reference}. */
public final class Reference {
    private Reference() {}

    public static Path dir() {
        Path dir = Paths.get(System.getProperty("sdij.reference", "../shared/reference")).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("Reference data not found at " + dir + " (set -Dsdij.reference=DIR)");
        }
        return dir;
    }

    public static Path resolve(String relative) {
        return dir().resolve(relative);
    }
}
