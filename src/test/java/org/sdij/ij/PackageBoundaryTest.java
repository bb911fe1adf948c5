package org.sdij.ij;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only org.sdij.ij and org.sdij.scijava know ImageJ, and only org.sdij.scijava knows SciJava: the core stays usable
 * from the command line and other hosts, and the ImageJ 1 commands run in an ImageJ without SciJava.
 */
class PackageBoundaryTest {

    private static final Pattern IMAGEJ = Pattern.compile("^\\s*import\\s+(static\\s+)?(ij|net\\.imagej)\\.",
            Pattern.MULTILINE);
    private static final Pattern SCIJAVA = Pattern.compile("^\\s*import\\s+(static\\s+)?org\\.scijava\\.",
            Pattern.MULTILINE);

    @Test
    void onlyTheIjAndScijavaPackagesImportImageJAndOnlyScijavaImportsSciJava() throws Exception {
        Path root = Path.of("src/main/java/org/sdij");
        List<String> offenders = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                checked++;
                String text = Files.readString(f);
                boolean ij = f.startsWith(root.resolve("ij"));
                boolean scijava = f.startsWith(root.resolve("scijava"));
                if (!ij && !scijava && IMAGEJ.matcher(text).find()) offenders.add(root.relativize(f) + " imports ImageJ");
                if (!scijava && SCIJAVA.matcher(text).find()) offenders.add(root.relativize(f) + " imports SciJava");
            }
        }
        assertTrue(checked > 50, "only " + checked + " source files found under " + root.toAbsolutePath());
        assertEquals(List.of(), offenders);
    }
}
