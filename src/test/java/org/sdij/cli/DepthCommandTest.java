package org.sdij.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.GoldenFloats;
import org.sdij.Reference;
import org.sdij.pipeline.DepthFolders;
import org.sdij.pipeline.PipelineCases;
import org.sdij.pipeline.Plane;

/**
 * {@code bin/sd-ij depth2img} from the image alone and {@code bin/sd-ij depth}: on a tiny SD 2 depth folder carrying
 * the tiny DPT-Hybrid, the estimated run equals the run given the golden predicted depth as --depth; the depth TIFF
 * holds the golden predicted depth and names its estimator; bad inputs get clear errors.
 */
@Tag("golden")
class DepthCommandTest {
    @TempDir
    Path dir;

    @Test
    void depth2imgFromTheImageAloneEqualsTheRunGivenTheGoldenDepth() throws Exception {
        Path folder = DepthFolders.tinyDepthWithEstimator(dir);
        PipelineCases.Case spec = PipelineCases.all("depth2img").filter(PipelineCases.Case::seeded).findFirst()
                .orElseThrow();
        // the smallest picture of the cases depth2img can take keeps the two runs short
        DepthFolders.SingleImageCase c = DepthFolders.singleImageCases(8).stream()
                .min(java.util.Comparator.comparingInt(k -> k.width() * k.height()))
                .orElseThrow(() -> new AssertionError("no dpt-hybrid case of one image with sides multiples of 8"));
        {
            Path golden = dir.resolve(c.name() + "-golden-depth.tif");
            ImageFiles.writeFloatTiff(golden, c.depthWidth(), c.depthHeight(), List.of(c.predictedDepth()), "golden");
            Path estimated = dir.resolve(c.name() + "-estimated.tif");
            Path given = dir.resolve(c.name() + "-given.tif");
            String strength = spec.spec().get("strength").getAsString();
            List<String> base = CaseFolders.commonArgs(spec, false, folder, estimated);
            base.addAll(List.of("--image", c.image().toString(), "--strength", strength));
            assertEquals(0, Main.run(base.toArray(String[]::new)));
            List<String> withDepth = CaseFolders.commonArgs(spec, false, folder, given);
            withDepth.addAll(List.of("--image", c.image().toString(), "--strength", strength, "--depth",
                    golden.toString()));
            assertEquals(0, Main.run(withDepth.toArray(String[]::new)));
            List<Path> a = ImageFiles.numbered(estimated, spec.batch());
            List<Path> b = ImageFiles.numbered(given, spec.batch());
            for (int i = 0; i < a.size(); i++) {
                double error = GoldenFloats.maxAbsDiff(ImageFiles.read(a.get(i)).toHwc(), ImageFiles.read(b.get(i)).toHwc());
                System.out.printf("  %s: estimated vs given golden depth, max abs error %.3g%n", c.name(), error);
                assertTrue(error <= 1e-4, c.name() + ": images differ by " + error);
                assertTrue(description(a.get(i)).contains("Depth estimator"), "metadata names the estimator");
            }
        }
    }

    @Test
    void depthWritesThePredictedDepthAsA32BitTiff() throws Exception {
        for (DepthFolders.SingleImageCase c : DepthFolders.singleImageCases(1)) {
            Path out = dir.resolve(c.name() + ".tif");
            assertEquals(0, Main.run(new String[] {"depth", "--model", DepthFolders.dptFolder().toString(), "--image",
                    c.image().toString(), "--out", out.toString()}));
            Plane depth = ImageFiles.readDepth(out);
            assertEquals(c.depthWidth(), depth.width());
            assertEquals(c.depthHeight(), depth.height());
            double error = GoldenFloats.maxAbsDiff(depth.values(), c.predictedDepth());
            assertTrue(error <= 1e-4 * max(c.predictedDepth()), "depth off by " + error);
            String text = description(out);
            assertTrue(text.contains("DPT-Hybrid") && text.contains("larger = nearer"), text);
        }
    }

    @Test
    void aStandaloneDptFolderIsADepthModel() throws Exception {
        Path standalone = Files.createDirectories(dir.resolve("dpt"));
        Path dpt = DepthFolders.dptFolder();
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.createSymbolicLink(standalone.resolve(f), dpt.resolve("depth_estimator").resolve(f));
        }
        Files.createSymbolicLink(standalone.resolve("preprocessor_config.json"),
                dpt.resolve("feature_extractor/preprocessor_config.json"));
        DepthFolders.SingleImageCase c = DepthFolders.singleImageCases(1).get(0);
        Path out = dir.resolve("standalone.tif");
        assertEquals(0, Main.run(new String[] {"depth", "--model", standalone.toString(), "--image",
                c.image().toString(), "--out", out.toString()}));
        double error = GoldenFloats.maxAbsDiff(ImageFiles.readDepth(out).values(), c.predictedDepth());
        assertTrue(error <= 1e-4 * max(c.predictedDepth()), "depth off by " + error);
    }

    @Test
    void oddImagesGiveASensibleMap() throws Exception {
        Path dpt = DepthFolders.dptFolder();
        List<Path> pictures = new ArrayList<>();
        pictures.add(write(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), "one-pixel.png"));
        BufferedImage gray16 = new BufferedImage(24, 16, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 24; x++) gray16.getRaster().setSample(x, y, 0, x * 2700);
        pictures.add(write(gray16, "gray16.png"));
        BufferedImage rgba = new BufferedImage(20, 12, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 12; y++) for (int x = 0; x < 20; x++) rgba.setRGB(x, y, (x * 12 << 24) | (y * 20 << 8) | x);
        pictures.add(write(rgba, "rgba.png"));
        Path float32 = dir.resolve("float32.tif");
        float[] ramp = new float[16 * 16];
        for (int i = 0; i < ramp.length; i++) ramp[i] = i / 100f - 0.5f; // outside [0, 1]: clamped as for 8-bit
        ImageFiles.writeFloatTiff(float32, 16, 16, List.of(ramp, ramp, ramp), "float");
        pictures.add(float32);
        for (Path picture : pictures) {
            Path out = dir.resolve(picture.getFileName() + "-depth.tif");
            assertEquals(0, Main.run(new String[] {"depth", "--model", dpt.toString(), "--image", picture.toString(),
                    "--out", out.toString()}), picture.toString());
            for (float v : ImageFiles.readDepth(out).values()) assertTrue(Float.isFinite(v) && v >= 0, picture + ": " + v);
        }
    }

    @Test
    void aFolderWithoutAnEstimatorNamesBothFixes() throws Exception {
        Path image = DepthFolders.singleImageCases(8).get(0).image();
        String err = stderr(() -> assertEquals(2, Main.run(new String[] {"depth2img", "--model",
                Reference.resolve("tiny-models/sd2-depth").toString(), "--prompt", "p", "--steps", "1", "--image",
                image.toString(), "--out", dir.resolve("x.png").toString()})));
        assertTrue(err.contains("--depth FILE") && err.contains("--depth-model DIR"), err);
    }

    @Test
    void aWrongKindOfDepthModelIsAClearError() throws Exception {
        Path image = DepthFolders.singleImageCases(8).get(0).image();
        // an SD folder without a depth estimator, a UNet folder (config.json, no preprocessor), a file
        for (Path wrong : List.of(Reference.resolve("tiny-models/sd1"), Reference.resolve("tiny-models/sd1/unet"),
                Reference.resolve("tiny-models/sd1.safetensors"))) {
            String err = stderr(() -> assertEquals(1, Main.run(new String[] {"depth2img", "--model",
                    Reference.resolve("tiny-models/sd2-depth").toString(), "--prompt", "p", "--steps", "1",
                    "--depth-model", wrong.toString(), "--image", image.toString(), "--out",
                    dir.resolve("x.png").toString()})));
            assertTrue(err.contains("DPT"), wrong + ": " + err);
        }
        // a DPT folder whose config is another model's
        Path fake = Files.createDirectories(dir.resolve("fake-dpt"));
        Files.copy(Reference.resolve("tiny-models/sd1/unet/config.json"), fake.resolve("config.json"));
        Files.copy(DepthFolders.dptFolder().resolve("feature_extractor/preprocessor_config.json"),
                fake.resolve("preprocessor_config.json"));
        Files.createSymbolicLink(fake.resolve("model.safetensors"),
                DepthFolders.dptFolder().resolve("depth_estimator/model.safetensors"));
        String err = stderr(() -> assertEquals(1, Main.run(new String[] {"depth", "--model", fake.toString(),
                "--image", image.toString(), "--out", dir.resolve("y.tif").toString()})));
        assertTrue(err.contains("not a transformers DPT config"), err);
    }

    private Path write(BufferedImage image, String name) throws Exception {
        Path out = dir.resolve(name);
        ImageIO.write(image, "png", out.toFile());
        return out;
    }

    private static double max(float[] values) {
        double m = 0;
        for (float v : values) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** The ImageDescription of a TIFF we wrote (its first tag's text). */
    private static String description(Path tiff) throws Exception {
        return new String(Files.readAllBytes(tiff), StandardCharsets.ISO_8859_1);
    }

    private interface Run {
        void run() throws Exception;
    }

    private static String stderr(Run run) throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setErr(old);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        return text;
    }

    /** A job runs many depth requests on one held model: its estimator loads once and gives the same maps. */
    @Test
    void aHeldModelKeepsItsDepthEstimatorForTheNextRequest() throws Exception {
        Path folder = DepthFolders.tinyDepthWithEstimator(dir);
        Path image = DepthFolders.singleImageCases(8).get(0).image();
        GenerateCommand.Plan plan = GenerateCommand.prepare("depth2img", new String[] {"depth2img", "--model",
                folder.toString(), "--prompt", "p", "--steps", "2", "--image", image.toString(), "--out",
                dir.resolve("held.tif").toString()});
        try (GenerateCommand.Model model = GenerateCommand.load(plan.modelKey(),
                files -> GenerateCommand.checkModel(plan, files))) {
            var first = GenerateCommand.execute(plan, model, (step, total, latents) -> true);
            var estimator = model.depthEstimator(null);
            var second = GenerateCommand.execute(plan, model, (step, total, latents) -> true);
            assertSame(estimator, model.depthEstimator(null));
            for (int c = 0; c < 3; c++) {
                assertArrayEquals(first.images().get(0).planes()[c], second.images().get(0).planes()[c]);
            }
        }
    }
}
