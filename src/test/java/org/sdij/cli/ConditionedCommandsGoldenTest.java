package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.io.SafeTensorsFile;
import org.sdij.pipeline.RgbImage;

/**
 * {@code bin/sd-ij inpaint | depth2img | upscale} on each seeded case of {@code reference/pipelines}, from the
 * tiny model as a folder and as a single file: the float TIFF written equals diffusers' images.
 *
 * <p>Inpainting runs with {@code --no-paste-back} (diffusers' raw output); the depth map goes in as a
 * one-page float TIFF; the upscaler runs from a copy of the tiny folder whose low_res_scheduler config is
 * the one the case ran with (its manifest's; the tiny folder's own says scaled_linear, the goldens used linear).
 */
class ConditionedCommandsGoldenTest {

    @TempDir
    Path dir;

    static Stream<Path> seededCases() throws Exception {
        List<Path> cases = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Reference.resolve("pipelines"))) {
            for (Path d : dirs.sorted().toList()) {
                if (!Files.isRegularFile(d.resolve("manifest.json"))) continue;
                String pipeline = CommandLineGoldenTest.manifest(d).getAsJsonObject("spec").get("pipeline").getAsString();
                if (List.of("inpaint", "depth2img", "upscale").contains(pipeline)
                        && d.toString().endsWith("-generator")) {
                    cases.add(d);
                }
            }
        }
        return cases.stream();
    }

    /** The command line a user would type for the case; inputs that are tensors are written under {@code dir}. */
    static List<String> argsFor(Path caseDir, boolean singleFile, Path out, Path dir) throws Exception {
        JsonObject m = CommandLineGoldenTest.manifest(caseDir);
        JsonObject spec = m.getAsJsonObject("spec");
        String pipeline = spec.get("pipeline").getAsString();
        String tiny = spec.get("unet").getAsString().replaceFirst("^unet-", "");
        Path folder = Reference.resolve("tiny-models/" + tiny);
        if (pipeline.equals("upscale")) folder = CaseFolders.withCaseSchedulers(folder, m, dir.resolve("model-" + tiny));
        List<String> args = new ArrayList<>(List.of(pipeline,
                "--model", singleFile ? Reference.resolve("tiny-models/" + tiny + ".safetensors").toString()
                        : folder.toString(),
                "--prompt", m.getAsJsonObject("text").get("prompt").getAsString(),
                "--seed", spec.get("seed").getAsString(),
                "--steps", spec.get("steps").getAsString(),
                "--guidance", spec.get("guidance_scale").getAsString(),
                "--sampler", spec.get("scheduler").getAsString(),
                "--out", out.toString()));
        if (singleFile) args.addAll(List.of("--config", folder.toString()));
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
        return seededCases().flatMap(c -> Stream.of(false, true).map(single ->
                DynamicTest.dynamicTest(c.getFileName() + (single ? " [single file]" : " [folder]"), () -> {
                    Path out = dir.resolve(c.getFileName() + (single ? "-single" : "") + ".tif");
                    assertEquals(0, Main.run(argsFor(c, single, out, dir).toArray(String[]::new)));
                    RgbImage image = ImageFiles.read(out);
                    try (SafeTensorsFile golden = SafeTensorsFile.open(c.resolve("golden.safetensors"));
                         NDManager m = NDManager.newBaseManager()) {
                        float[] want = golden.load("output.images", m).toFloatArray();
                        float[] got = image.toHwc();
                        assertEquals(want.length, got.length, "image size");
                        double worst = 0;
                        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
                        System.out.printf("  %s%s: TIFF max abs error %.3g%n", c.getFileName(),
                                single ? " [single file]" : "", worst);
                        assertTrue(worst <= 1e-4, "max abs error " + worst);
                    }
                })));
    }
}
