package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Path;
import org.sdij.pipeline.CancelledException;
import org.sdij.pipeline.DepthEstimator;
import org.sdij.pipeline.Plane;

/**
 * Plugins > Stable Diffusion > Estimate Depth...: the depth map Depth to Image would estimate for the active image
 * (its selection's bounding box, or all of it), as a new 32-bit image: DPT-Hybrid's relative inverse depth (larger =
 * nearer) at the estimator's resolution, before Depth to Image resizes and stretches it. The current slice or
 * every slice, one map per slice. From a macro:
 * {@code run("Estimate Depth...", "model=sd2-depth slices=all");}
 */
public class EstimateDepthCommand implements PlugIn {

    static final ParameterTable TABLE = CommandTables.ESTIMATE_DEPTH;

    @Override
    public void run(String arg) {
        ImagePlus imp = WindowManager.getCurrentImage();
        if (imp == null) {
            Commands.error(TABLE.command(), "Estimate Depth needs an open image: open the picture (File > Open...)"
                    + " and run the command again.");
            return;
        }
        ParameterTable.Values values;
        ImageToImageCommand.Source source;
        try {
            Rectangle region = ImageInput.region(imp, imp.getRoi());
            values = TABLE.ask();
            if (values == null) return;
            source = ImageToImageCommand.Source.atCurrent(imp, region, values);
        } catch (IllegalArgumentException e) {
            Commands.error(TABLE.command(), e.getMessage());
            return;
        }
        Commands.offEventThread(TABLE.command(), () -> CommandRun.guarded(TABLE.command(),
                () -> CommandRun.show(estimate(source, values), TABLE, values)));
    }

    /** One depth map per position of the source, as a new 32-bit image (not shown). */
    static ImagePlus estimate(ImageToImageCommand.Source s, ParameterTable.Values v) throws IOException {
        Path folder = DepthToImageCommand.estimatorFolder(v, "Estimate Depth needs a depth estimator", "Choose an SD 2"
                + " depth model folder that holds one, or give");
        Settings settings = Settings.current();
        int n = s.positions().size();
        ImageStack[] maps = new ImageStack[1];
        String description = ModelCache.useEstimator(folder, settings.deviceFor(v.string("device")), estimator -> {
            for (int i = 0; i < n; i++) {
                if (!ImageJProgress.proceed("Estimate Depth: slice " + (i + 1) + " of " + n, (double) i / n)) {
                    IJ.resetEscape();
                    throw CancelledException.betweenSlices(i, n);
                }
                int[] zt = s.positions().get(i);
                ImageInput.Converted input = ImageInput.convertAt(s.imp(), s.region(), s.channels(), zt[0], zt[1]);
                Plane depth = estimator.estimate(input.image());
                if (maps[0] == null) maps[0] = new ImageStack(depth.width(), depth.height());
                maps[0].addSlice("z=" + zt[0] + " t=" + zt[1], new FloatProcessor(depth.width(), depth.height(),
                        depth.values()));
            }
            IJ.showProgress(1.0);
            return estimator.description();
        });
        ImageStack stack = maps[0];
        ImagePlus out = new ImagePlus(s.imp().getShortTitle() + " depth", stack);
        out.resetDisplayRange();
        Rectangle r = s.region();
        out.setProp(ImageOutput.PREFIX + "depth_estimator", description);
        out.setProp(ImageOutput.PREFIX + "depth", "relative inverse depth (larger = nearer) at the estimator's "
                + stack.getWidth() + "x" + stack.getHeight() + ", before Depth to Image's resize and [-1, 1] scaling");
        out.setProp(ImageOutput.PREFIX + "input_title", s.imp().getTitle());
        out.setProp(ImageOutput.PREFIX + "input_region", r.x + "," + r.y + "," + r.width + "," + r.height);
        int[] first = s.positions().get(0);
        out.setProp(ImageOutput.PREFIX + "input_position", "z=" + first[0] + " t=" + first[1]);
        return out;
    }
}
