package org.sdij.ij;

import ij.ImagePlus;
import ij.WindowManager;
import ij.plugin.PlugIn;
import org.sdij.pipeline.GenerationRequest;
import org.sdij.pipeline.Upscale;

import java.io.IOException;
import java.util.Map;

/**
 * Plugins > Stable Diffusion > Upscale 4x...: the active image (the selection's bounding box, or all of
 * it) at four times its size through the x4 upscaler, as a new stack whose pixel size is the input's / 4;
 * the current slice, or every slice of a stack with one model load. The input is only read. From a macro:
 * {@code run("Upscale 4x...", "model=x4-upscaler prompt=[a sharp photo] noise_level=20 slices=all");}
 */
public class UpscaleCommand implements PlugIn {

    static final ParameterTable TABLE = CommandTables.UPSCALE;
    static final int SCALE = 4;

    @Override
    public void run(String arg) {
        ImagePlus imp = WindowManager.getCurrentImage();
        if (imp == null) {
            Commands.error(TABLE.command(), "Upscale 4x needs an open image: open the picture to enlarge "
                    + "(File > Open...), select a part of it if you like, and run the command again.");
            return;
        }
        ParameterTable.Values values;
        ImageToImageCommand.Source source;
        try {
            ImageInput.region(imp, imp.getRoi()); // a selection outside the image fails before the dialog
            values = TABLE.ask();
            if (values == null) return;
            source = ImageToImageCommand.Source.atCurrent(imp, ImageInput.region(imp, imp.getRoi()), values);
        } catch (IllegalArgumentException e) {
            Commands.error(TABLE.command(), e.getMessage());
            return;
        }
        Commands.offEventThread(TABLE.command(), () -> CommandRun.guarded(TABLE.command(), () -> {
            ParameterTable.Values pinned = ImageToImageCommand.pinned(source, values);
            CommandRun.show(generate(source, pinned), TABLE, pinned);
        }));
    }

    /** The upscaled images of every position of the source, as a new image (not shown). */
    static ImagePlus generate(ImageToImageCommand.Source s, ParameterTable.Values v) throws IOException {
        Upscale.Settings settings = Upscale.Settings.defaults().withNoiseLevel(v.integer("noise_level"));
        SliceBatch.Result r = SliceBatch.run("Upscale 4x", s, v, CommandRun.UPSCALE_MODEL, Map.of(),
                (model, input, i, progress) -> Upscale.run(model, new GenerationRequest(v.string("prompt"),
                        v.string("negative_prompt"), v.seed("seed"), v.integer("steps"), v.decimal("guidance"),
                        CommandRun.sampler(v), null, null, 1, input.image(), null,
                        CommandRun.promptSyntax()), settings, progress));
        String title = s.imp().getShortTitle() + " x4 (seed " + Long.toUnsignedString(v.seed("seed")) + ")"
                + r.titleSuffix();
        var options = new ImageOutput.Options(v.string("output").equals("32-bit"),
                SliceBatch.macroLine(s, null, TABLE, v), null, null, 1)
                .from(s.imp().getCalibration(), s.region(), SCALE);
        return ImageOutput.create(title, r.images(), r.records(), options);
    }
}
