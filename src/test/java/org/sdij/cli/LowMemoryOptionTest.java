package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.pipeline.RgbImage;

/** {@code --low-memory}: offered by every generating command, recorded in the metadata and the command only when on. */
@Tag("golden")
class LowMemoryOptionTest {

    @TempDir
    Path dir;

    static final String SD1 = ConditionedCommandsTest.tinyModelOf("txt2img");

    private static List<String> txt2img(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("txt2img", "--model", SD1, "--prompt", "a red barn", "--seed", "7",
                "--steps", "3", "--width", "64", "--height", "64", "--out", out.toString()));
        args.addAll(List.of(more));
        return args;
    }

    private static int run(List<String> args) {
        return Main.run(args.toArray(String[]::new));
    }

    @Test
    void everyGeneratingCommandOffersIt() {
        for (String command : List.of("txt2img", "img2img", "inpaint", "depth2img", "upscale")) {
            String usage = GenerateCommand.usage(command);
            assertTrue(usage.contains("--low-memory"), command + ": " + usage);
            assertTrue(usage.contains("keep weights in memory as fp16 (half the memory; weights from an fp32 file"
                    + " are rounded to fp16), compute in fp32"), usage);
        }
    }

    @Test
    void txt2imgRecordsItOnlyWhenOn() throws Exception {
        Path low = dir.resolve("low.png");
        Path plain = dir.resolve("plain.png");
        assertEquals(0, run(txt2img(low, "--low-memory")));
        assertEquals(0, run(txt2img(plain)));

        Map<String, String> lowText = ImageFiles.readPngText(low);
        assertTrue(lowText.get("parameters").contains(", Weights: fp16 in memory, "), lowText.get("parameters"));
        assertTrue(lowText.get("sd-ij-command").contains(" --low-memory"), lowText.get("sd-ij-command"));
        Map<String, String> plainText = ImageFiles.readPngText(plain);
        assertFalse(plainText.get("parameters").contains("Weights:"), plainText.get("parameters"));
        assertFalse(plainText.get("sd-ij-command").contains("--low-memory"));

        RgbImage a = ImageFiles.read(low);
        RgbImage b = ImageFiles.read(plain);
        float worst = 0;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < a.planes()[c].length; i++) {
                worst = Math.max(worst, Math.abs(a.planes()[c][i] - b.planes()[c][i]));
            }
        }
        System.out.printf("8-bit txt2img, low-memory vs plain: max difference %.0f/255%n", worst * 255);
        assertTrue(worst <= 3 / 255f, "fp16 weights move 8-bit pixels by a level or two at most, got " + worst * 255);
    }

    @Test
    void withFp16PrecisionTheWeightsAreAlreadyHalfAndNothingIsRecorded() throws Exception {
        Path out = dir.resolve("fp16.png");
        assertEquals(0, run(txt2img(out, "--low-memory", "--precision", "fp16")));
        assertFalse(ImageFiles.readPngText(out).get("parameters").contains("Weights:"));
    }

    @Test
    void aConditionedPipelineRecordsItToo() throws Exception {
        Path out = dir.resolve("inpainted.tif");
        Path[] pictureAndMask = ConditionedCommandsTest.pictureAndMask(dir);
        assertEquals(0, run(List.of("inpaint", "--model", ConditionedCommandsTest.INPAINT_MODEL,
                "--prompt", "a horse", "--seed", "5", "--steps", "2", "--image",
                pictureAndMask[0].toString(), "--mask", pictureAndMask[1].toString(),
                "--low-memory", "--out", out.toString())));
        String description = new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
        assertTrue(description.contains(", Weights: fp16 in memory, "), description);
        assertTrue(description.contains("Command: bin/sd-ij inpaint ") && description.contains(" --low-memory "),
                description);
    }
}
