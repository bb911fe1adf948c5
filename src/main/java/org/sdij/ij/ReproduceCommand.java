package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.io.FileInfo;
import ij.plugin.PlugIn;
import org.sdij.cli.ImageFiles;
import org.sdij.io.ModelHash;
import org.sdij.pipeline.GenerationMetadata;
import org.sdij.text.PromptSyntax;

import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Plugins > Stable Diffusion > Reproduce from Metadata...: runs again the command that made the active
 * image, with the options recorded in it (properties {@code sdij.command} and {@code sdij.options}, kept
 * in TIFF files). A result made from an image (Image to Image, Inpaint Selection with its recorded
 * selection, Depth to Image with its depth map open, Upscale 4x) is remade from its input, which must be open under its
 * recorded title, at the recorded region and position. The result is a new image; the seed is the same,
 * so the pixels are too.
 */
public class ReproduceCommand implements PlugIn {

    static final String COMMAND = "Reproduce from Metadata...";

    @Override
    public void run(String arg) {
        ImagePlus made = WindowManager.getCurrentImage();
        if (made == null) {
            Commands.error(COMMAND, "Reproduce from Metadata needs an open image made by the Stable Diffusion "
                    + "commands (or a TIFF file saved from one): open it and run the command again.");
            return;
        }
        String macro = made.getProp(ImageOutput.MACRO);
        if (macro != null) IJ.showStatus("Reproducing: " + macro);
        Commands.offEventThread(COMMAND, () -> CommandRun.guarded(COMMAND, () -> CommandRun.showUnique(reproduce(made))));
    }

    /**
     * The image made again from the record in {@code made} (not shown, already marked), with the prompt syntax
     * it records rather than the settings'.
     */
    static ImagePlus reproduce(ImagePlus made) throws IOException {
        if (made.getProp(CommandRun.COMMAND) == null) {
            GenerationMetadata record = pngRecord(made);
            if (record != null) {
                return CommandRun.withPromptSyntax(recordedPromptSyntax(made, record.extra() == null ? null
                        : record.extra().get(GenerationMetadata.PROMPT_SYNTAX)), () -> remake(made, record));
            }
        }
        return CommandRun.withPromptSyntax(recordedPromptSyntax(made), () -> remake(made));
    }

    /**
     * The record in the {@code parameters} text chunk of the PNG file {@code made} was opened from (the command
     * line writes one into every PNG), or null when it was opened from no PNG file or the file holds none.
     */
    static GenerationMetadata pngRecord(ImagePlus made) throws IOException {
        FileInfo file = made.getOriginalFileInfo();
        if (file == null || file.fileName == null || file.directory == null) return null;
        Path path = Path.of(file.directory, file.fileName);
        if (!file.fileName.toLowerCase(Locale.ROOT).endsWith(".png") || !Files.isRegularFile(path)) return null;
        String parameters = ImageFiles.readPngText(path).get("parameters");
        if (parameters == null) return null;
        try {
            return GenerationMetadata.fromParameters(parameters);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + made.getTitle() + "' has a parameters text that sd-ij cannot read ("
                    + e.getMessage() + "): Reproduce from Metadata reads the PNG files the command line writes.");
        }
    }

    /**
     * Text to Image... with the settings of a PNG's record. An image of a batch (Batch pos p) is remade with its
     * batch of p images, as all share one seed: slice p is the PNG's. The other pipelines start from inputs the
     * PNG does not hold.
     */
    private static ImagePlus remake(ImagePlus made, GenerationMetadata record) throws IOException {
        if (!record.pipeline().equals("txt2img")) {
            throw new IllegalArgumentException("'" + made.getTitle() + "' was made by the command line's "
                    + record.pipeline() + " from input images its PNG file does not hold: Reproduce from Metadata "
                    + "remakes such PNGs only for txt2img. Run the command again with the settings in its Info "
                    + "(Image > Show Info), or the sd-ij-command its PNG file holds.");
        }
        ParameterTable table = TextToImageCommand.TABLE;
        ParameterTable.Values values = table.defaults().with("model", record.model()).with("prompt", record.prompt())
                .with("negative_prompt", record.negativePrompt()).with("seed", record.seed())
                .with("steps", (long) record.steps()).with("guidance", record.guidance())
                .with("sampler", record.sampler()).with("width", (long) record.width())
                .with("height", (long) record.height()).with("num_images", (long) Math.max(1, record.imageIndex()));
        ImagePlus out = TextToImageCommand.generate(values);
        CommandRun.mark(out, table, values);
        List<String> differ = differences(record, out);
        if (record.imageIndex() > 1) {
            ImageOutput.appendInfo(out, "'" + made.getTitle() + "' is image " + record.imageIndex() + " of its batch: "
                    + "slice " + record.imageIndex() + " here.");
        }
        noteReproduction(made, out, differ);
        return out;
    }

    static final String PROMPT_SYNTAX = ImageOutput.PREFIX + "prompt_syntax";

    /** The prompt syntax {@code made} records; images from before it was recorded were made with plain prompts. */
    static PromptSyntax recordedPromptSyntax(ImagePlus made) {
        return recordedPromptSyntax(made, made.getProp(PROMPT_SYNTAX));
    }

    private static PromptSyntax recordedPromptSyntax(ImagePlus made, String recorded) {
        if (recorded == null) return PromptSyntax.PLAIN;
        try {
            return PromptSyntax.parse(recorded);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + made.getTitle() + "' records the prompt syntax '" + recorded
                    + "', which this version of sd-ij does not know (it knows a1111 and plain).");
        }
    }

    private static ImagePlus remake(ImagePlus made) throws IOException {
        String command = made.getProp(CommandRun.COMMAND);
        String options = made.getProp(CommandRun.OPTIONS);
        if (command == null || options == null) {
            throw new IllegalArgumentException("'" + made.getTitle() + "' carries no sd-ij record (no " + CommandRun.COMMAND
                    + " property, no parameters text of a PNG file): Reproduce from Metadata works on images made by the "
                    + "Stable Diffusion commands, on TIFF files saved from them and on PNG files the command line "
                    + "(bin/sd-ij) writes; other formats lose the record.");
        }
        ImagePlus out;
        ParameterTable table;
        ParameterTable.Values values;
        if (command.equals(TextToImageCommand.TABLE.command())) {
            table = TextToImageCommand.TABLE;
            values = table.fromMacro(options);
            out = TextToImageCommand.generate(values);
        } else if (command.equals(ImageToImageCommand.TABLE.command())) {
            table = ImageToImageCommand.TABLE;
            values = table.fromMacro(options);
            out = ImageToImageCommand.generate(recordedInput(made, values), values);
        } else if (command.equals(InpaintCommand.TABLE.command())) {
            table = InpaintCommand.TABLE;
            values = table.fromMacro(options);
            out = InpaintCommand.generate(recordedInput(made, values), InpaintCommand.recordedSelection(made), values);
        } else if (command.equals(DepthToImageCommand.TABLE.command())) {
            table = DepthToImageCommand.TABLE;
            values = table.fromMacro(options);
            out = DepthToImageCommand.generate(recordedInput(made, values), DepthToImageCommand.depthImage(values),
                    values);
        } else if (command.equals(EstimateDepthCommand.TABLE.command())) {
            table = EstimateDepthCommand.TABLE;
            values = table.fromMacro(options);
            out = EstimateDepthCommand.estimate(recordedInput(made, values), values);
        } else if (command.equals(UpscaleCommand.TABLE.command())) {
            table = UpscaleCommand.TABLE;
            values = table.fromMacro(options);
            out = UpscaleCommand.generate(recordedInput(made, values), values);
        } else {
            throw new IllegalArgumentException("'" + made.getTitle() + "' was made by " + command
                    + ", which this version of sd-ij cannot run again.");
        }
        CommandRun.mark(out, table, values);
        noteReproduction(made, out, differences(made, out));
        return out;
    }

    static final String MODEL_HASH = ImageOutput.PREFIX + "model_hash";

    /** Properties that name the reproduction itself, not a setting. */
    static final String REPRODUCED_FROM = ImageOutput.PREFIX + "reproduced_from";

    /**
     * Marks {@code out} as reproduced from {@code made} (title, property {@code sdij.reproduced_from}, a line at the
     * end of its Info) and says which recorded settings differ now. The result is made either way: a model hash
     * that differs (a re-saved or converted file can hold the same weights; images from before hashes were
     * recorded carry none), and every other {@code sdij.*} property with another value, as low-memory weights
     * ({@code sdij.weights}) or another sd-ij version give, are listed in the Log and the Info.
     */
    static void noteReproduction(ImagePlus made, ImagePlus out, List<String> differ) {
        String note = differ.isEmpty() ? "the same settings as its metadata" : String.join("; ", differ);
        if (!differ.isEmpty()) {
            IJ.log("Reproduce from Metadata: '" + made.getTitle() + "' was made with other settings (" + note
                    + "); the pixels may differ.");
        }
        out.setProp(REPRODUCED_FROM, made.getTitle());
        ImageOutput.appendInfo(out, "Reproduced from '" + made.getTitle() + "': " + note);
        out.setTitle(out.getTitle() + " reproduced");
    }

    /** What differs between the record of {@code made} and that of {@code out}, in words, hash first. */
    static List<String> differences(ImagePlus made, ImagePlus out) {
        List<String> differ = new ArrayList<>();
        String recorded = made.getProp(MODEL_HASH);
        String used = out.getProp(MODEL_HASH);
        if (recorded != null && used != null && !recorded.equalsIgnoreCase(used)) {
            differ.add("model hash differs: image " + ModelHash.shortForm(recorded) + ", model "
                    + ModelHash.shortForm(used));
        }
        Map<String, String> before = sdijProperties(made);
        Map<String, String> now = sdijProperties(out);
        Set<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(now.keySet());
        keys.removeAll(Set.of(MODEL_HASH, REPRODUCED_FROM));
        for (String key : keys) {
            String was = before.get(key);
            String is = now.get(key);
            if (!Objects.equals(was, is)) {
                differ.add(key.substring(ImageOutput.PREFIX.length()) + ": image " + (was == null ? "(none)" : was)
                        + ", now " + (is == null ? "(none)" : is));
            }
        }
        return differ;
    }

    /**
     * What differs between a PNG's record and the record of {@code out}, in words, hash first: the settings its
     * parameters text gives (the hash by its 10 digits; the batch position is the slice, not a setting).
     */
    static List<String> differences(GenerationMetadata record, ImagePlus out) {
        List<String> differ = new ArrayList<>();
        String used = out.getProp(MODEL_HASH);
        if (record.modelHash() != null && used != null
                && !record.modelHash().equalsIgnoreCase(ModelHash.shortForm(used))) {
            differ.add("model hash differs: image " + record.modelHash() + ", model " + ModelHash.shortForm(used));
        }
        for (Map.Entry<String, String> e : record.asMap().entrySet()) {
            String key = ImageOutput.propertyKey(e.getKey());
            if (key.equals("model_hash") || key.equals("image_index")) continue;
            String was = e.getValue() == null || e.getValue().isEmpty() ? null : ImageOutput.oneLine(e.getValue());
            String is = out.getProp(ImageOutput.PREFIX + key);
            if (!Objects.equals(was, is)) {
                differ.add(key + ": image " + (was == null ? "(none)" : was) + ", now " + (is == null ? "(none)" : is));
            }
        }
        return differ;
    }

    private static Map<String, String> sdijProperties(ImagePlus imp) {
        Map<String, String> props = new TreeMap<>();
        String[] pairs = imp.getPropertiesAsArray();
        for (int i = 0; pairs != null && i + 1 < pairs.length; i += 2) {
            if (pairs[i].startsWith(ImageOutput.PREFIX)) props.put(pairs[i], pairs[i + 1]);
        }
        return props;
    }

    /** The open input image a result of a command with an input names, at the recorded region and position. */
    static ImageToImageCommand.Source recordedInput(ImagePlus made, ParameterTable.Values values) {
        String title = made.getProp(ImageOutput.PREFIX + "input_title");
        ImagePlus input = title == null ? null : WindowManager.getImage(title);
        if (input == null) {
            throw new IllegalArgumentException("'" + made.getTitle() + "' was made by "
                    + made.getProp(CommandRun.COMMAND).replace("...", "") + " from '" + title
                    + "': open that image (under that title) and run Reproduce from Metadata again on '"
                    + made.getTitle() + "'.");
        }
        Rectangle region = parseRegion(made.getProp(ImageOutput.PREFIX + "input_region"));
        if (!new Rectangle(0, 0, input.getWidth(), input.getHeight()).contains(region)) {
            throw new IllegalArgumentException("The recorded region " + made.getProp(ImageOutput.PREFIX + "input_region")
                    + " does not fit into '" + title + "' (" + input.getWidth() + "x" + input.getHeight()
                    + "): is it the same image?");
        }
        Map<String, String> position = MacroOptions.parse(made.getProp(ImageOutput.PREFIX + "input_position"));
        int z = Integer.parseInt(position.getOrDefault("z", "1"));
        int t = Integer.parseInt(position.getOrDefault("t", "1"));
        return ImageToImageCommand.Source.at(input, region, values, z, t);
    }

    private static Rectangle parseRegion(String text) {
        try {
            String[] p = text.split(",");
            return new Rectangle(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()),
                    Integer.parseInt(p[2].trim()), Integer.parseInt(p[3].trim()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("The recorded input region '" + text + "' is not x,y,width,height");
        }
    }
}
