package org.sdij.spark;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * How a task's images reach their final names: written under a temporary name beside them, then published in one
 * step, so a name that exists always holds a whole image, and of two attempts at one request (a retry, a
 * speculative copy) the first to publish wins and the other changes nothing.
 */
final class Outputs {
    private Outputs() {}

    private static final String PART = ".part-";

    /** {@code <dir>/.<name>.part-<attempt>}: ours alone (hidden, marked), so stale ones can be deleted. */
    static Path temporary(Path target, String attempt) {
        return target.resolveSibling("." + target.getFileName() + PART + attempt);
    }

    /**
     * Publishes {@code temp} as {@code target} unless that exists, and removes {@code temp}. A hard link fails
     * when the name exists (the first attempt wins); where the file system has no hard links, an atomic rename
     * after a check (a duplicate racing in between then replaces an equal image).
     *
     * @return false when another attempt had published it already
     */
    static boolean publish(Path temp, Path target) throws IOException {
        try {
            Files.createLink(target, temp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (Files.exists(target)) return false;
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Deletes the temporary files that killed attempts left under {@code out}; returns how many. */
    static int deleteStale(Path out) throws IOException {
        if (!Files.isDirectory(out)) return 0;
        List<Path> stale;
        try (Stream<Path> files = Files.walk(out)) {
            stale = files.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith(".") && name.contains(PART) && Files.isRegularFile(p);
            }).toList();
        }
        for (Path p : stale) Files.deleteIfExists(p);
        return stale.size();
    }
}
