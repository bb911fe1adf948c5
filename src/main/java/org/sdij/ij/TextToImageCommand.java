package org.sdij.ij;

import ij.ImagePlus;
import ij.plugin.PlugIn;
import org.sdij.pipeline.Generation;
import org.sdij.pipeline.GenerationRequest;
import org.sdij.pipeline.TextToImage;

import java.io.IOException;
import java.util.Locale;

/**
 * Plugins > Stable Diffusion > Text to Image...: a new RGB stack (or 32-bit composite) with one slice
 * per image, from a prompt. From a macro:
 * {@code run("Text to Image...", "model=sd-v1-5 prompt=[a lighthouse at dawn] seed=42 steps=30");}
 */
public class TextToImageCommand implements PlugIn {

    static final ParameterTable TABLE = CommandTables.TEXT_TO_IMAGE;

    @Override
    public void run(String arg) {
        ParameterTable.Values values;
        try {
            values = TABLE.ask();
        } catch (IllegalArgumentException e) {
            Commands.error(TABLE.command(), e.getMessage());
            return;
        }
        if (values == null) return;
        Commands.offEventThread(TABLE.command(),
                () -> CommandRun.guarded(TABLE.command(), () -> CommandRun.show(generate(values), TABLE, values)));
    }

    /** The images these values ask for, as a new image (not shown). */
    static ImagePlus generate(ParameterTable.Values v) throws IOException {
        GenerationRequest request = new GenerationRequest(v.string("prompt"), v.string("negative_prompt"),
                v.seed("seed"), v.integer("steps"), v.decimal("guidance"), CommandRun.sampler(v),
                CommandRun.size(v, "width"), CommandRun.size(v, "height"), v.integer("num_images"), null, null,
                CommandRun.promptSyntax());
        Settings settings = Settings.current();
        String location = ModelChoice.resolve(v.string("model"), settings.modelsFolder());
        long t0 = System.nanoTime();
        String title = "Text to Image (seed " + Long.toUnsignedString(request.seed()) + ")";
        Generation result = ModelCache.use(location, settings, v.string("device"), CommandRun.PLAIN_MODEL, model -> {
            ImageJProgress progress = new ImageJProgress("Text to Image", 1);
            progress.previewWith(model, settings.previewEvery(), PreviewWindow.forRun(title, settings));
            Generation g = TextToImage.run(model, request, progress);
            progress.done(String.format(Locale.ROOT, "Text to Image: %d image(s) in %.1f s", g.images().size(),
                    (System.nanoTime() - t0) / 1e9));
            return g;
        });
        boolean asFloat = v.string("output").equals("32-bit");
        return ImageOutput.create(title, result.images(), result.metadata(),
                new ImageOutput.Options(asFloat, TABLE.macroLine(v), null, null, 1));
    }
}
