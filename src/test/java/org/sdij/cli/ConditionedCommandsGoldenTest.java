package org.sdij.cli;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.pipeline.PipelineCases;

/**
 * {@code bin/sd-ij inpaint | depth2img | upscale} on each seeded case of {@code reference/pipelines}, from the
 * tiny model as a folder and as a single file: the float TIFF written equals diffusers' images.
 *
 * <p>Inpainting runs with {@code --no-paste-back} (diffusers' raw output); the depth map goes in as a
 * one-page float TIFF; the upscaler runs from a copy of the tiny folder whose low_res_scheduler config is
 * the one the case ran with (its manifest's; the tiny folder's own says scaled_linear, the goldens used linear).
 */
@Tag("golden")
class ConditionedCommandsGoldenTest {

    @TempDir
    Path dir;

    /** The command line a user would type for the case; inputs that are tensors are written under {@code dir}. */
    static List<String> argsFor(Path caseDir, boolean singleFile, Path out, Path dir) throws Exception {
        PipelineCases.Case c = PipelineCases.Case.of(caseDir);
        JsonObject spec = c.spec();
        String pipeline = c.pipeline();
        String tiny = c.tinyModel();
        Path folder = Reference.resolve("tiny-models/" + tiny);
        if (pipeline.equals("upscale")) {
            folder = CaseFolders.withCaseSchedulers(folder, c.manifest(), dir.resolve("model-" + tiny));
        }
        List<String> args = CaseFolders.commonArgs(c, singleFile, folder, out);
        switch (pipeline) {
            case "inpaint" -> args.addAll(List.of("--image", caseDir.resolve("init_image.png").toString(),
                    "--mask", caseDir.resolve("mask.png").toString(), "--no-paste-back"));
            case "depth2img" -> args.addAll(List.of("--image", caseDir.resolve("init_image.png").toString(),
                    "--depth", CaseFolders.depthTiff(caseDir, dir).toString(),
                    "--strength", spec.get("strength").getAsString()));
            case "upscale" -> args.addAll(List.of("--image", caseDir.resolve("low_res_image.png").toString(),
                    "--noise-level", spec.get("noise_level").getAsString()));
            default -> throw new IllegalStateException(pipeline);
        }
        return args;
    }

    @TestFactory
    Stream<DynamicTest> tiffReproducesTheGoldenImages() throws Exception {
        return CaseFolders.tiffReproducesTheGoldenImages(CaseFolders.seededCases("inpaint", "depth2img", "upscale"),
                dir, (c, single, out) -> argsFor(c, single, out, dir));
    }
}
