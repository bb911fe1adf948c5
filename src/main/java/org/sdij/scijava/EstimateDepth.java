package org.sdij.scijava;

import ij.ImagePlus;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.sdij.ij.ImagePlusCommands;

import java.io.IOException;
import java.util.Map;

/**
 * Estimate Depth... as a SciJava command (no menu entry: the ImageJ 1 command keeps the menu): the depth map
 * Depth to Image would estimate for the input's selection box (or all of it), one per slice with
 * {@code slices=all}, as a new 32-bit image; the input is only read. The values are the ImageJ 1 command's macro keys.
 */
@SuppressWarnings({"FieldMayBeFinal", "unused"}) // set by SciJava, read through SdijCommand.values()
@Plugin(type = Command.class, headless = true, label = "Estimate Depth (sd-ij)")
public class EstimateDepth extends GeneratingCommand {

    @Parameter(persist = false)
    private ImagePlus input;
    @Parameter(persist = false, description = "an SD 2 depth model folder that holds a depth estimator")
    private String model = "";
    @Parameter(persist = false, required = false, description = "DPT depth estimator folder; empty: the model's own")
    private String estimator = "";
    @Parameter(persist = false, choices = {"current", "all"})
    private String slices = "current";
    @Parameter(persist = false, required = false, description = "R,G,B channels of a composite, e.g. 1,2,3; empty: the ones shown")
    private String channels = "";
    @Parameter(persist = false, choices = {"settings", "cpu", "gpu"})
    private String device = "settings";

    @Override
    String name() {
        return "Estimate Depth";
    }

    @Override
    ImagePlus generate(Map<String, Object> values) throws IOException {
        return ImagePlusCommands.estimateDepth(input, values);
    }
}
