package org.sdij.scijava;

import ij.ImagePlus;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.sdij.ij.ImagePlusCommands;

import java.io.IOException;
import java.util.Map;

/**
 * Text to Image... as a SciJava command (no menu entry: the ImageJ 1 command keeps the menu). Groovy:
 * {@code command.run(TextToImage, false, [model: "sd-v1-5", prompt: "a lighthouse", seed: 42L]).get().getOutput("result")}
 */
@SuppressWarnings({"FieldMayBeFinal", "unused"}) // set by SciJava, read through SdijCommand.values()
@Plugin(type = Command.class, headless = true, label = "Text to Image (sd-ij)")
public class TextToImage extends GeneratingCommand {

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
    @Parameter(persist = false, description = "0 = the model's own")
    private int width = 0;
    @Parameter(persist = false, description = "0 = the model's own")
    private int height = 0;
    @Parameter(persist = false)
    private int num_images = 1;
    @Parameter(persist = false, choices = {"RGB", "32-bit"})
    private String output = "RGB";
    @Parameter(persist = false, choices = {"settings", "cpu", "gpu"})
    private String device = "settings";

    @Override
    String name() {
        return "Text to Image";
    }

    @Override
    ImagePlus generate(Map<String, Object> values) throws IOException {
        return ImagePlusCommands.textToImage(values);
    }
}
