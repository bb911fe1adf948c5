package org.sdij.ij;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.FloatProcessor;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.GoldenFloats;
import org.sdij.pipeline.DepthFolders;
import org.sdij.pipeline.PipelineCases;

/**
 * Estimate Depth... and Depth to Image... with depth "Estimate from the image", as macros on a tiny SD 2 depth
 * folder carrying the tiny DPT-Hybrid: the estimated map is the golden predicted depth, a stack gets one map per
 * slice, the estimated Depth to Image equals the one given the golden depth as an open image, and a model without
 * an estimator says how to give one.
 */
@Tag("golden")
class EstimateDepthMacroTest {

    static {
        ImageJHarness.init();
    }

    @TempDir
    Path dir;

    @AfterEach
    void closeImages() {
        CommandFixtures.closeAll();
    }

    private static DepthFolders.SingleImageCase smallest(int multiple) throws Exception {
        return DepthFolders.singleImageCases(multiple).stream()
                .min(Comparator.comparingInt(c -> c.width() * c.height())).orElseThrow();
    }

    @Test
    void estimateDepthMakesTheGoldenPredictedDepthSliceBySlice() throws Exception {
        Path folder = DepthFolders.tinyDepthWithEstimator(dir);
        DepthFolders.SingleImageCase c = smallest(1);
        ImagePlus picture = IJ.openImage(c.image().toString());
        ImageStack two = new ImageStack(picture.getWidth(), picture.getHeight());
        two.addSlice(picture.getProcessor());
        two.addSlice(picture.getProcessor().duplicate());
        ImagePlus stack = new ImagePlus("two", two);
        stack.show();
        IJ.selectWindow(stack.getID());
        MacroHarness.run("run(\"Estimate Depth...\", \"model=[" + folder + "] slices=all\");");
        ImagePlus out = CommandFixtures.newResult(stack);
        assertEquals(ImagePlus.GRAY32, out.getType());
        assertEquals(c.depthWidth(), out.getWidth());
        assertEquals(c.depthHeight(), out.getHeight());
        assertEquals(2, out.getStackSize(), "one map per slice");
        double limit = 1e-4 * maxAbs(c.predictedDepth());
        for (int s = 1; s <= 2; s++) {
            float[] got = (float[]) out.getStack().getPixels(s);
            double error = GoldenFloats.maxAbsDiff(got, c.predictedDepth());
            assertTrue(error <= limit, "slice " + s + " off by " + error);
        }
        assertTrue(out.getProp("sdij.depth_estimator").contains("DPT-Hybrid"), out.getProp("sdij.depth_estimator"));
        assertEquals("Estimate Depth...", out.getProp("sdij.command"));
        ImagePlus again = ReproduceCommand.reproduce(out);
        assertEquals(2, again.getStackSize());
        assertEquals(0.0, GoldenFloats.maxAbsDiff((float[]) again.getStack().getPixels(2),
                (float[]) out.getStack().getPixels(2)), "Reproduce from Metadata makes the same maps");
    }

    @Test
    void depthToImageEstimatesByDefaultAndEqualsTheRunGivenTheGoldenDepth() throws Exception {
        Path folder = DepthFolders.tinyDepthWithEstimator(dir);
        DepthFolders.SingleImageCase c = smallest(8);
        PipelineCases.Case spec = PipelineCases.all("depth2img").filter(PipelineCases.Case::seeded).findFirst()
                .orElseThrow();
        String options = CommandFixtures.withOption(CommandFixtures.caseOptions(spec.folder()), "model",
                "[" + folder + "]") + " strength=" + spec.spec().get("strength").getAsString() + " output=32-bit";
        ImagePlus depth = new ImagePlus("golden depth", new FloatProcessor(c.depthWidth(), c.depthHeight(),
                c.predictedDepth().clone()));
        depth.show();
        ImagePlus picture = IJ.openImage(c.image().toString());
        picture.show();
        IJ.selectWindow(picture.getID());
        MacroHarness.run("run(\"Depth to Image...\", \"" + options + "\");");
        ImagePlus estimated = CommandFixtures.newResult(picture);
        assertTrue(estimated.getProp("sdij.depth_estimator") != null || estimated.getInfoProperty() != null);
        IJ.selectWindow(picture.getID());
        MacroHarness.run("run(\"Depth to Image...\", \"" + options + " depth=[golden depth]\");");
        ImagePlus given = CommandFixtures.newResult(picture);
        assertTrue(given != estimated);
        int estimatorLoads = ModelCache.estimatorLoads();
        IJ.selectWindow(picture.getID());
        MacroHarness.run("run(\"Depth to Image...\", \"" + options + "\");");
        ImagePlus again = CommandFixtures.newResult(picture);
        assertEquals(estimatorLoads, ModelCache.estimatorLoads(), "the estimator is kept with the model");
        IJ.selectWindow(picture.getID());
        MacroHarness.run("run(\"Estimate Depth...\", \"model=[" + folder + "]\");");
        CommandFixtures.newResult(picture);
        assertEquals(estimatorLoads, ModelCache.estimatorLoads(), "Estimate Depth uses the estimator kept loaded");
        assertArrayEquals((float[]) estimated.getStack().getPixels(1), (float[]) again.getStack().getPixels(1));
        double worst = 0;
        for (int s = 1; s <= given.getStackSize(); s++) {
            worst = Math.max(worst, GoldenFloats.maxAbsDiff((float[]) estimated.getStack().getPixels(s),
                    (float[]) given.getStack().getPixels(s)));
        }
        System.out.printf("  %s: Depth to Image estimated vs given golden depth, max abs error %.3g%n", c.name(), worst);
        assertTrue(worst <= 1e-4, "estimated and given differ by " + worst);
        assertEquals("Estimate from the image", estimated.getProp("sdij.depth_title"));
    }

    @Test
    void aModelWithoutAnEstimatorSaysHowToGiveOne() throws Exception {
        ImagePlus picture = IJ.openImage(smallest(8).image().toString());
        picture.show();
        IJ.selectWindow(picture.getID());
        String tiny = CommandFixtures.tinyModel("sd2-depth");
        for (String macro : new String[] {
            "run(\"Depth to Image...\", \"model=[" + tiny + "] prompt=x steps=1\");",
            "run(\"Estimate Depth...\", \"model=[" + tiny + "]\");"}) {
            int open = CommandFixtures.openImageCount();
            String message = assertThrows(AssertionError.class, () -> MacroHarness.run(macro)).getMessage()
                    .replace('\n', ' ');
            assertEquals(open, CommandFixtures.openImageCount(), "a failed command left an image");
            assertTrue(message.contains("estimator=[folder]"), message);
            IJ.selectWindow(picture.getID());
        }
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) max = Math.max(max, Math.abs(v));
        return max;
    }
}
