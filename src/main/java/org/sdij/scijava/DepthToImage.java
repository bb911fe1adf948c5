package org.sdij.scijava;

import ij.ImagePlus;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.sdij.ij.ImagePlusCommands;

import java.io.IOException;
import java.util.Map;

/**
 * Depth to Image... as a SciJava command (no menu entry: the ImageJ 1 command keeps the menu): the input's selection box (or all of it) transformed under a prompt and {@code depth}, an image of depths (larger = nearer), as a new
 * image; the input is only read. The values are the ImageJ 1 command's macro keys.
 */
@SuppressWarnings({"FieldMayBeFinal", "unused"}) // set by SciJava, read through SdijCommand.values()
@Plugin(type = Command.class, headless = true, label = "Depth to Image (sd-ij)")
public class DepthToImage extends GeneratingCommand {

    @Parameter(persist = false)
    private ImagePlus input;
    @Parameter(persist = false)
    private String model = "";
    @Parameter(persist = false)
    private String prompt = "";
    @Parameter(persist = false, required = false)
    private String negative_prompt = "";
    @Parameter(persist = false)
    private long seed = 42;
    @Parameter(persist = false)
    private int steps = 50;
    @Parameter(persist = false)
    private double guidance = 7.5;
    @Parameter(persist = false, choices = {"default", "ddim", "pndm", "euler", "euler_a", "lms", "dpmpp_2m", "dpmpp_2m_karras"})
    private String sampler = "default";
    @Parameter(persist = false)
    private double strength = 0.8;
    @Parameter(persist = false, required = false, description = "the depth map; none: estimated from the input")
    private ImagePlus depth;
    @Parameter(persist = false, required = false, description = "DPT depth estimator folder; empty: the model's own")
    private String estimator = "";
    @Parameter(persist = false)
    private int num_images = 1;
    @Parameter(persist = false, choices = {"current", "all"})
    private String slices = "current";
    @Parameter(persist = false, required = false)
    private boolean keep_finished = false;
    @Parameter(persist = false, required = false, description = "R,G,B channels of a composite, e.g. 1,2,3; empty: the ones shown")
    private String channels = "";
    @Parameter(persist = false, choices = {"RGB", "32-bit"})
    private String output = "RGB";
    @Parameter(persist = false, choices = {"settings", "cpu", "gpu"})
    private String device = "settings";

    @Override
    String name() {
        return "Depth to Image";
    }

    @Override
    ImagePlus generate(Map<String, Object> values) throws IOException {
        return ImagePlusCommands.depthToImage(input, depth, values);
    }
}
