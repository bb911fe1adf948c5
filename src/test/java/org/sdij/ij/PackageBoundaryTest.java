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

/** Only org.sdij.ij knows ImageJ and SciJava: the core stays usable from the command line and other hosts. */
class PackageBoundaryTest {

    private static final Pattern IMAGEJ = Pattern.compile("^\\s*import\\s+(static\\s+)?(ij|net\\.imagej|org\\.scijava)\\.",
            Pattern.MULTILINE);

    @Test
    void nothingOutsideTheIjPackageImportsImageJOrSciJava() throws Exception {
        Path root = Path.of("src/main/java/org/sdij");
        List<String> offenders = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (f.startsWith(root.resolve("ij"))) continue;
                checked++;
                if (IMAGEJ.matcher(Files.readString(f)).find()) offenders.add(root.relativize(f).toString());
            }
        }
        assertTrue(checked > 50, "only " + checked + " source files found under " + root.toAbsolutePath());
        assertEquals(List.of(), offenders);
    }
}
