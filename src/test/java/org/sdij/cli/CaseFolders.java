package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.sdij.Reference;
import org.sdij.io.SafeTensorsFile;
import org.sdij.pipeline.PipelineCases;

/**
 * The command-line golden cases: which ones run, the arguments every command takes, the check of the TIFF it
 * writes, and the files a case needs beyond its folder (a depth TIFF, a model folder with the case's schedulers).
 */
final class CaseFolders {
    private CaseFolders() {}

    /** The command line a user would type for a case, writing to {@code out}. */
    @FunctionalInterface
    interface CommandFor {
        List<String> args(Path caseDir, boolean singleFile, Path out) throws Exception;
    }

    /** The seeded cases (every noise drawn from the seed) of these pipelines. */
    static Stream<Path> seededCases(String... pipelines) throws IOException {
        return PipelineCases.all(pipelines).filter(PipelineCases.Case::seeded).map(PipelineCases.Case::folder);
    }

    /**
     * One test per case, from the tiny model as a folder and as a single file: the float TIFF that {@code command}
     * writes under {@code dir} equals diffusers' images.
     */
    static Stream<DynamicTest> tiffReproducesTheGoldenImages(Stream<Path> cases, Path dir, CommandFor command) {
        return cases.flatMap(c -> Stream.of(false, true).map(single -> {
            String label = c.getFileName() + (single ? " [single file]" : " [folder]");
            return DynamicTest.dynamicTest(label, () -> {
                Path out = dir.resolve(c.getFileName() + (single ? "-single" : "") + ".tif");
                assertEquals(0, Main.run(command.args(c, single, out).toArray(String[]::new)));
                assertTiffMatchesGolden(c, out, label);
            });
        }));
    }

    /**
     * Asserts that the float TIFF {@code tiff} (for a batch: the numbered TIFFs the command writes in its place)
     * holds the case's golden {@code output.images} within 1e-4.
     */
    static void assertTiffMatchesGolden(Path caseDir, Path tiff, String label) throws IOException {
        List<Path> files = ImageFiles.numbered(tiff, PipelineCases.Case.of(caseDir).batch());
        List<float[]> pictures = new ArrayList<>();
        for (Path file : files) pictures.add(ImageFiles.read(file).toHwc());
        float[] got = new float[pictures.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : pictures) {
            System.arraycopy(p, 0, got, at, p.length);
            at += p.length;
        }
        try (SafeTensorsFile golden = SafeTensorsFile.open(caseDir.resolve("golden.safetensors"));
             NDManager m = NDManager.newBaseManager()) {
            float[] want = golden.load("output.images", m).toFloatArray();
            assertEquals(want.length, got.length, "image size");
            double worst = 0;
            for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
            System.out.printf("  %s: TIFF max abs error %.3g%n", label, worst);
            assertTrue(worst <= 1e-4, "max abs error " + worst);
        }
    }

    /**
     * The arguments every command takes for a case: the pipeline; the model, the folder {@code config} or the tiny
     * model's single file with {@code --config config}; the prompt, negative prompt, seed, steps, guidance, sampler,
     * the number of images per prompt and out, all as the case gives them.
     */
    static List<String> commonArgs(PipelineCases.Case c, boolean singleFile, Path config, Path out) {
        JsonObject spec = c.spec();
        List<String> args = new ArrayList<>(List.of(c.pipeline(),
                "--model", singleFile ? Reference.resolve("tiny-models/" + c.tinyModel() + ".safetensors").toString()
                        : config.toString(),
                "--prompt", c.prompt(),
                "--negative-prompt", c.negativePrompt(),
                "--seed", spec.get("seed").getAsString(),
                "--steps", spec.get("steps").getAsString(),
                "--guidance", spec.get("guidance_scale").getAsString(),
                "--sampler", spec.get("scheduler").getAsString(),
                "--out", out.toString()));
        args.addAll(List.of("--num-images", Integer.toString(c.batch())));
        if (singleFile) args.addAll(List.of("--config", config.toString()));
        return args;
    }

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
