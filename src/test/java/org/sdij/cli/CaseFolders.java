package org.sdij.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.sdij.io.SafeTensorsFile;

/** Files the command-line cases need beyond the case folder: a depth TIFF, a model folder with the case's schedulers. */
final class CaseFolders {
    private CaseFolders() {}

    /**
     * {@code target}: the tiny model {@code folder} (its entries linked, not copied) whose low_res_scheduler config
     * is the case manifest's {@code components.low_res_scheduler_config}, the one diffusers ran with.
     */
    static Path withCaseSchedulers(Path folder, JsonObject manifest, Path target) throws IOException {
        if (Files.isDirectory(target)) return target;
        Files.createDirectories(target);
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path entry : entries.toList()) {
                if (!entry.getFileName().toString().equals("low_res_scheduler")) {
                    Files.createSymbolicLink(target.resolve(entry.getFileName()), entry.toAbsolutePath());
                }
            }
        }
        JsonObject components = manifest.getAsJsonObject("components");
        JsonObject config = components.getAsJsonObject("low_res_scheduler_config").deepCopy();
        config.addProperty("_class_name", components.get("low_res_scheduler_class").getAsString());
        Path lowRes = Files.createDirectories(target.resolve("low_res_scheduler"));
        Files.writeString(lowRes.resolve("scheduler_config.json"), config.toString());
        return target;
    }

    /** The case's {@code input.depth_map} [1, H, W] as a one-page 32-bit float TIFF under {@code dir}. */
    static Path depthTiff(Path caseDir, Path dir) throws IOException {
        Path out = dir.resolve(caseDir.getFileName() + "-depth.tif");
        try (SafeTensorsFile golden = SafeTensorsFile.open(caseDir.resolve("golden.safetensors"));
             NDManager m = NDManager.newBaseManager()) {
            long[] shape = golden.info("input.depth_map").shape();
            float[] depth = golden.load("input.depth_map", m).toFloatArray();
            ImageFiles.writeFloatTiff(out, (int) shape[2], (int) shape[1], List.of(depth), "depth map");
        }
        return out;
    }
}
