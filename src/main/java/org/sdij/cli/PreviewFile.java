package org.sdij.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.sdij.pipeline.LivePreview;
import org.sdij.pipeline.RgbImage;

/**
 * {@code --preview FILE}: the live preview as a PNG rewritten in place, written beside it first and then moved
 * over it, so that a viewer that reloads the file never reads half of one. A preview that cannot be written is
 * reported once and the run goes on: the image being made matters more than its preview.
 */
final class PreviewFile implements LivePreview.Sink {
    private final Path path;
    private boolean warned;
    private int written;

    PreviewFile(Path path) {
        this.path = path;
    }

    @Override
    public void show(RgbImage preview, int step, int total) {
        write(preview, "preview at step " + step + "/" + total + " (cheap latent-to-RGB decode)");
    }

    /** The finished image takes the preview's place, so the file ends as the run's (first) result. */
    void showFinal(RgbImage image) {
        write(image, "final image (full VAE decode)");
    }

    int written() {
        return written;
    }

    private void write(RgbImage image, String what) {
        Path partial = path.resolveSibling(path.getFileName() + ".part");
        try {
            ImageFiles.writePng(partial, image, Map.of("sd-ij-preview", what));
            Files.move(partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            written++;
        } catch (IOException | RuntimeException e) {
            if (!warned) System.err.println("sd-ij: could not write the preview " + path + " (" + e.getMessage()
                    + "); the run goes on without it");
            warned = true;
        }
    }
}
