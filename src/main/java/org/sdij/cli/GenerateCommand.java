package org.sdij.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sdij.cli.CommandLine.Option;
import org.sdij.cli.CommandLine.UsageException;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelKind;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;
import org.sdij.pipeline.Generation;
import org.sdij.pipeline.GenerationMetadata;
import org.sdij.pipeline.GenerationRequest;
import org.sdij.pipeline.ImageToImage;
import org.sdij.pipeline.RgbImage;
import org.sdij.pipeline.StableDiffusion;
import org.sdij.pipeline.TextToImage;
import org.sdij.sched.Samplers;

/** txt2img and img2img from the command line: options to request, model to images, images to files. */
final class GenerateCommand {
    private GenerateCommand() {}

    static final List<Option> COMMON = List.of(
            Option.value("model", "PATH|REPO", "diffusers folder, .safetensors/.ckpt file, or Hugging Face repo id in the local cache"),
            Option.value("prompt", "TEXT", "what to draw"),
            Option.value("negative-prompt", "TEXT", "what to avoid (default none)"),
            Option.value("seed", "N", "random seed (default 0)"),
            Option.value("steps", "N", "denoising steps (default 50)"),
            Option.value("guidance", "X", "classifier-free guidance scale (default 7.5; <= 1 turns it off)"),
            Option.value("sampler", "NAME", "one of " + String.join("|", Samplers.NAMES) + " (default: the model's own)"),
            Option.value("num-images", "N", "images from one seed, as one batch (default 1)"),
            Option.value("out", "FILE", "out.png (8-bit, metadata in a text chunk) or out.tif (32-bit float R,G,B slices)"),
            Option.value("device", "cpu|cuda", "where to run (default: cuda when present, else cpu)"),
            Option.value("precision", "fp32|fp16", "network precision (default fp32 on cpu, fp16 on cuda)"),
            Option.value("prediction", "epsilon|v_prediction", "override the prediction type of a single-file model"),
            Option.value("config", "DIR", "diffusers folder whose configs a single file uses instead of its kind's preset"),
            Option.flag("fp16-weights", "prefer a diffusers folder's *.fp16.safetensors files"));

    static final List<Option> TXT2IMG = concat(COMMON, List.of(
            Option.value("width", "W", "image width, a multiple of 8 (default: the model's native size)"),
            Option.value("height", "H", "image height, a multiple of 8 (default: the model's native size)")));

    static final List<Option> IMG2IMG = concat(COMMON, List.of(
            Option.value("image", "FILE", "input picture (PNG, JPEG, TIFF); sides multiples of 8"),
            Option.value("strength", "X", "how much to change it, 0..1 (default 0.8)")));

    private static List<Option> concat(List<Option> a, List<Option> b) {
        List<Option> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    static String usage(String command) {
        return command.equals("img2img")
                ? CommandLine.usage("img2img", "--model M --prompt TEXT --image in.png [--strength X] --out out.png", IMG2IMG)
                : CommandLine.usage("txt2img", "--model M --prompt TEXT --out out.png", TXT2IMG);
    }

    static void run(String command, String[] args) throws UsageException, IOException {
        boolean img2img = command.equals("img2img");
        CommandLine cl = CommandLine.parse(command, img2img ? IMG2IMG : TXT2IMG, args, 1);
        String model = cl.require("model");
        Path out = Path.of(cl.require("out"));
        String ext = extension(out);
        if (!ext.equals("png") && !ext.equals("tif") && !ext.equals("tiff")) {
            throw new UsageException("Bad --out '" + out + "': the file must end in .png or .tif");
        }
        String sampler = cl.get("sampler");
        if (sampler != null && !Samplers.NAMES.contains(sampler)) {
            throw new UsageException("Bad --sampler '" + sampler + "': use one of " + String.join(", ", Samplers.NAMES));
        }
        RgbImage image = null;
        if (img2img) image = ImageFiles.read(Path.of(cl.require("image")));
        GenerationRequest request;
        try {
            request = new GenerationRequest(cl.get("prompt", ""), cl.get("negative-prompt", ""), cl.seed("seed", 0L),
                    cl.integer("steps", null), cl.decimal("guidance", null), sampler,
                    img2img ? null : cl.integer("width", null), img2img ? null : cl.integer("height", null),
                    cl.integer("num-images", 1), image, img2img ? cl.decimal("strength", null) : null);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Device device = device(cl.get("device"));
        DataType dtype = precision(cl.get("precision"), device);
        ModelOptions options = ModelOptions.DEFAULT;
        if (cl.has("prediction")) options = options.withPrediction(ModelKind.Prediction.parse(cl.get("prediction")));
        if (cl.has("config")) options = options.withConfigFolder(Path.of(cl.get("config")));
        if (cl.has("fp16-weights")) options = options.withVariant("fp16");

        long t0 = System.nanoTime();
        Generation result;
        try (ModelFiles files = ModelLocator.open(model, options);
             StableDiffusion sd = StableDiffusion.load(files, device, dtype)) {
            System.err.printf("sd-ij: %s (%s) loaded on %s/%s in %.1f s%n", sd.name(), sd.kind(), device,
                    dtype == DataType.FLOAT16 ? "fp16" : "fp32", (System.nanoTime() - t0) / 1e9);
            ProgressBar bar = new ProgressBar(System.err, command);
            result = img2img
                    ? ImageToImage.run(sd, request, (step, total, latents) -> { bar.update(step, total); return true; })
                    : TextToImage.run(sd, request, (step, total, latents) -> { bar.update(step, total); return true; });
        }
        String reproduce = reproduceCommand(command, cl, args);
        List<Path> paths = ImageFiles.numbered(out, result.images().size());
        for (int i = 0; i < paths.size(); i++) {
            GenerationMetadata meta = result.metadata().get(i);
            if (ext.equals("png")) {
                Map<String, String> text = new LinkedHashMap<>();
                text.put("parameters", meta.toParameters());
                text.put("sd-ij-command", reproduce);
                ImageFiles.writePng(paths.get(i), result.images().get(i), text);
            } else {
                ImageFiles.writeFloatTiff(paths.get(i), result.images().get(i),
                        meta.toParameters() + "\nCommand: " + reproduce);
            }
            System.err.println("sd-ij: wrote " + paths.get(i));
        }
    }

    /** The exact command that reproduces this output: every option as given, shell-quoted. */
    static String reproduceCommand(String command, CommandLine cl, String[] args) {
        StringBuilder s = new StringBuilder("bin/sd-ij");
        for (String a : args) s.append(' ').append(shellQuote(a));
        if (!cl.has("seed")) s.append(" --seed 0");
        return s.toString();
    }

    static String shellQuote(String s) {
        if (s.matches("[A-Za-z0-9_./=:+,@%-]+")) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String extension(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    static Device device(String name) throws UsageException {
        if (name == null) return Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "cpu" -> Device.cpu();
            case "cuda", "gpu" -> {
                if (Engine.getEngine("PyTorch").getGpuCount() == 0) {
                    throw new UsageException("--device cuda: no CUDA GPU is visible to libtorch (this build loads the CPU libtorch; use --device cpu)");
                }
                yield Device.gpu();
            }
            default -> throw new UsageException("Bad --device '" + name + "': use cpu or cuda");
        };
    }

    static DataType precision(String name, Device device) throws UsageException {
        if (name == null) return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> DataType.FLOAT32;
            case "fp16", "float16" -> DataType.FLOAT16;
            default -> throw new UsageException("Bad --precision '" + name + "': use fp32 or fp16");
        };
    }
}
