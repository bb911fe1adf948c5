package org.sdij.ij;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import ij.ImagePlus;
import ij.WindowManager;
import org.junit.jupiter.api.Assumptions;
import org.sdij.Reference;
import org.sdij.io.SafeTensorsFile;
import org.sdij.pipeline.PipelineCases;
import org.sdij.pipeline.RgbImage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tiny models, the pipeline goldens and the open images, for the command tests (not a test class). */
final class CommandFixtures {

    static {
        ImageJHarness.init();
    }

    private CommandFixtures() {
    }

    static String tinyModel(String name) {
        return Reference.resolve("tiny-models/" + name).toString();
    }

    /**
     * The seeded golden cases of one pipeline (the pipeline drew every noise from the case's seed: its call got no
     * {@code latents}), by folder.
     */
    static List<Path> cases(String pipeline) throws Exception {
        return PipelineCases.all(pipeline).filter(PipelineCases.Case::seeded).map(PipelineCases.Case::folder).toList();
    }

    /**
     * The first seeded case of {@code pipeline} whose manifest has the property {@code wanted}; the test is skipped,
     * saying which kind of case the set lacks, where it has none.
     */
    static Path aCase(String pipeline, String kind, Predicate<JsonObject> wanted) throws Exception {
        for (Path c : cases(pipeline)) {
            if (wanted.test(manifest(c))) return c;
        }
        Assumptions.abort("the reference set " + Reference.resolve("pipelines") + " has no seeded " + pipeline
                + " case " + kind);
        throw new AssertionError("not reached");
    }

    /** The first seeded case of {@code pipeline}; skipped where the set has none. */
    static Path aCase(String pipeline) throws Exception {
        return aCase(pipeline, "at all", m -> true);
    }

    /** The number of images the case made per prompt (1 where it does not say). */
    static int batch(Path caseDir) throws Exception {
        return PipelineCases.Case.of(caseDir).batch();
    }

    /** The case's negative prompt ("" where it has none). */
    static String negativePrompt(Path caseDir) throws Exception {
        return PipelineCases.Case.of(caseDir).negativePrompt();
    }

    static String prompt(Path caseDir) throws Exception {
        return PipelineCases.Case.of(caseDir).prompt();
    }

    /** The golden images' {width, height}, from the shape of {@code output.images} [N, H, W, 3]. */
    static int[] size(Path caseDir) throws Exception {
        try (SafeTensorsFile golden = SafeTensorsFile.open(caseDir.resolve("golden.safetensors"))) {
            long[] shape = golden.info("output.images").shape();
            return new int[] {(int) shape[2], (int) shape[1]};
        }
    }

    static JsonObject manifest(Path caseDir) throws Exception {
        return JsonParser.parseString(Files.readString(caseDir.resolve("manifest.json"))).getAsJsonObject();
    }

    static JsonObject spec(Path caseDir) throws Exception {
        return manifest(caseDir).getAsJsonObject("spec");
    }

    /** The tiny model folder a case was made with ("unet-sd2-v" is tiny-models/sd2-v). */
    static String modelOf(Path caseDir) throws Exception {
        return tinyModel(spec(caseDir).get("unet").getAsString().replaceFirst("^unet-", ""));
    }

    /**
     * The options shared by a case's macro line, all as the case gives them: model, prompt, negative prompt, seed,
     * steps, guidance, sampler and (but for Upscale 4x..., which has no such field) the number of images.
     */
    static String caseOptions(Path caseDir) throws Exception {
        JsonObject spec = spec(caseDir);
        String options = "model=[" + modelOf(caseDir) + "] prompt=[" + prompt(caseDir) + "] negative_prompt=["
                + negativePrompt(caseDir) + "] seed=" + spec.get("seed").getAsString() + " steps="
                + spec.get("steps").getAsString() + " guidance=" + spec.get("guidance_scale").getAsString()
                + " sampler=" + spec.get("scheduler").getAsString();
        return spec.get("pipeline").getAsString().equals("upscale") ? options : options + " num_images=" + batch(caseDir);
    }

    /** {@link #caseOptions} and the case's picture size: the whole Text to Image... line of a txt2img case. */
    static String textToImageOptions(Path caseDir) throws Exception {
        int[] size = size(caseDir);
        return caseOptions(caseDir) + " width=" + size[0] + " height=" + size[1];
    }

    /** {@code options} with the value of {@code key} replaced by {@code value} (as written: {@code [a b]} or {@code 3}). */
    static String withOption(String options, String key, String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(^| )" + key + "=(\\[[^\\]]*\\]|\\S+)").matcher(options);
        assertTrue(m.find(), "no " + key + " in " + options);
        return options.substring(0, m.start()) + m.group(1) + key + "=" + value + options.substring(m.end());
    }

    /** diffusers' output.images, [N, H, W, 3] in [0, 1]. */
    static float[] goldenImages(Path caseDir) throws Exception {
        try (SafeTensorsFile golden = SafeTensorsFile.open(caseDir.resolve("golden.safetensors"));
             NDManager m = NDManager.newBaseManager()) {
            return golden.load("output.images", m).toFloatArray();
        }
    }

    /**
     * An RGB slice against the golden rounded half-to-even as a PNG holds it: equal wherever the golden is
     * farther than {@code tolerance} from a rounding boundary, within 1 elsewhere. Returns the values
     * that differed by one.
     */
    static int assertRgbMatches(float[] goldenHwc, int offset, int[] pixels, double tolerance) {
        int offByOne = 0;
        for (int i = 0; i < pixels.length; i++) {
            for (int c = 0; c < 3; c++) {
                float g = goldenHwc[offset + 3 * i + c];
                int want = RgbImage.toByte(g);
                int got = pixels[i] >> (16 - 8 * c) & 0xff;
                double scaled = Math.max(0, Math.min(1, g)) * 255;
                boolean nearBoundary = Math.abs(scaled - Math.floor(scaled) - 0.5) < tolerance * 255;
                if (got != want) {
                    assertTrue(nearBoundary && Math.abs(got - want) == 1,
                            "pixel " + i + " channel " + c + ": " + got + " but the golden " + g + " rounds to " + want);
                    offByOne++;
                }
            }
        }
        return offByOne;
    }

    /** Max |a - golden| over a 32-bit composite's R, G, B planes of slice {@code slice} (1-based). */
    static double maxFloatError(ImagePlus imp, int slice, float[] goldenHwc, int offset) {
        double worst = 0;
        for (int c = 0; c < 3; c++) {
            float[] plane = (float[]) imp.getStack().getPixels(imp.getStackIndex(c + 1, slice, 1));
            for (int i = 0; i < plane.length; i++) worst = Math.max(worst, Math.abs(plane[i] - goldenHwc[offset + 3 * i + c]));
        }
        return worst;
    }

    /** {@link #assertRgbMatches} for every slice of an RGB stack against the golden's images, one per slice. */
    static int assertRgbStackMatches(float[] goldenHwc, ImagePlus rgb, double tolerance) {
        int perImage = rgb.getWidth() * rgb.getHeight() * 3;
        assertEquals(goldenHwc.length, perImage * rgb.getStackSize(), "images x size");
        int flips = 0;
        for (int s = 1; s <= rgb.getStackSize(); s++) {
            flips += assertRgbMatches(goldenHwc, (s - 1) * perImage, (int[]) rgb.getStack().getPixels(s), tolerance);
        }
        return flips;
    }

    /** {@link #maxFloatError} over every image of a 32-bit composite against the golden's images, one per slice. */
    static double maxFloatStackError(ImagePlus floats, float[] goldenHwc) {
        int perImage = floats.getWidth() * floats.getHeight() * 3;
        assertEquals(goldenHwc.length, perImage * floats.getNSlices(), "images x size");
        double worst = 0;
        for (int s = 1; s <= floats.getNSlices(); s++) {
            worst = Math.max(worst, maxFloatError(floats, s, goldenHwc, (s - 1) * perImage));
        }
        return worst;
    }

    /** The active image after a macro, which must be a new one (not {@code notThis}). */
    static ImagePlus newResult(ImagePlus notThis) {
        ImagePlus out = WindowManager.getCurrentImage();
        assertTrue(out != null && out != notThis, "the command made no new image");
        return out;
    }

    static int openImageCount() {
        int[] ids = WindowManager.getIDList();
        return ids == null ? 0 : ids.length;
    }

    static void closeAll() {
        int[] ids = WindowManager.getIDList();
        if (ids == null) return;
        for (int id : ids) {
            ImagePlus imp = WindowManager.getImage(id);
            if (imp != null) {
                imp.changes = false;
                imp.close();
            }
        }
        assertEquals(0, openImageCount(), "images left open");
    }
}
