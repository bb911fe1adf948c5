package org.sdij.ij;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import ij.ImagePlus;
import ij.WindowManager;
import org.sdij.Reference;
import org.sdij.io.SafeTensorsFile;
import org.sdij.pipeline.RgbImage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /** The seeded (-generator) golden cases of one pipeline, by folder. */
    static List<Path> cases(String pipeline) throws Exception {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Reference.resolve("pipelines"))) {
            for (Path d : dirs.sorted().toList()) {
                if (!Files.isRegularFile(d.resolve("manifest.json")) || !d.toString().endsWith("-generator")) continue;
                if (spec(d).get("pipeline").getAsString().equals(pipeline)) found.add(d);
            }
        }
        return found;
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

    /** The options shared by a case's macro line: model, prompt, seed, steps, guidance, sampler. */
    static String caseOptions(Path caseDir) throws Exception {
        JsonObject m = manifest(caseDir);
        JsonObject spec = m.getAsJsonObject("spec");
        return "model=[" + modelOf(caseDir) + "] prompt=[" + m.getAsJsonObject("text").get("prompt").getAsString()
                + "] seed=" + spec.get("seed").getAsString() + " steps=" + spec.get("steps").getAsString()
                + " guidance=" + spec.get("guidance_scale").getAsString() + " sampler=" + spec.get("scheduler").getAsString();
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
