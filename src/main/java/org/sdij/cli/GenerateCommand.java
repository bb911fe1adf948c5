package org.sdij.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sdij.cli.CommandLine.Option;
import org.sdij.cli.CommandLine.UsageException;
import org.sdij.hub.HubSettings;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelKind;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;
import org.sdij.pipeline.Generation;
import org.sdij.pipeline.GenerationMetadata;
import org.sdij.pipeline.GenerationRequest;
import org.sdij.pipeline.DepthEstimator;
import org.sdij.pipeline.DepthToImage;
import org.sdij.pipeline.HeldDepthEstimator;
import org.sdij.pipeline.ImageToImage;
import org.sdij.pipeline.Inpaint;
import org.sdij.pipeline.Plane;
import org.sdij.pipeline.RgbImage;
import org.sdij.pipeline.StableDiffusion;
import org.sdij.pipeline.StepListener;
import org.sdij.pipeline.TextToImage;
import org.sdij.pipeline.LivePreview;
import org.sdij.pipeline.Upscale;
import org.sdij.sched.Samplers;
import org.sdij.text.PromptSyntax;

/**
 * txt2img, img2img, inpaint, depth2img and upscale from the command line: options to request, model to
 * images, images to files. {@link #prepare}, {@link #load}, {@link #execute} and {@link #write} are the
 * request API that other front ends (the Spark job) share with {@code bin/sd-ij}.
 */
public final class GenerateCommand {
    private GenerateCommand() {}

    static final List<Option> COMMON = List.of(
            Option.value("model", "PATH|REPO", "diffusers folder, .safetensors/.ckpt file, or Hugging Face repo id in the local cache (see --download)"),
            Option.value("prompt", "TEXT", "what to draw"),
            Option.value("negative-prompt", "TEXT", "what to avoid (default none)"),
            Option.value("prompt-syntax", "a1111|plain", "a1111 (default): emphasis (word:1.2), (word), [word],"
                    + " BREAK, prompts of any length; plain: the text as it is, cut after 75 tokens (diffusers)"),
            Option.value("seed", "N", "random seed (default " + GenerationRequest.DEFAULT_SEED + ")"),
            Option.value("steps", "N", "denoising steps (default 50; upscale 75)"),
            Option.value("guidance", "X", "classifier-free guidance scale (default 7.5, upscale 9; <= 1 turns it off)"),
            Option.value("sampler", "NAME", "one of " + String.join("|", Samplers.NAMES) + " (default: the model's own)"),
            Option.value("num-images", "N", "images from one seed, as one batch (default 1)"),
            Option.value("out", "FILE", "out.png (8-bit, metadata in a text chunk) or out.tif (32-bit float R,G,B slices)"),
            Option.value("device", "cpu|cuda", "where to run (default: cuda when present, else cpu)"),
            Option.value("precision", "fp32|fp16", "network precision (default fp32 on cpu, fp16 on cuda)"),
            Option.value("prediction", "epsilon|v_prediction", "override the prediction type of a single-file model"),
            Option.value("config", "DIR", "diffusers folder whose configs a single file uses instead of its kind's preset"),
            Option.flag("fp16-weights", "prefer a diffusers folder's *.fp16.safetensors files"),
            Option.flag("download", "fetch a repo id that is not in the local cache from the Hugging Face Hub first"),
            Option.flag("low-memory", "keep weights in memory as fp16 (half the memory; weights from an fp32 file"
                    + " are rounded to fp16), compute in fp32"),
            Option.value("preview", "FILE.png", "rewrite this PNG with a cheap preview of the image while denoising,"
                    + " then with the (first) result"),
            Option.value("preview-every", "N", "steps between previews (default 1; previews never take over 5% of the run)"));

    static final List<Option> TXT2IMG = concat(COMMON, List.of(
            Option.value("width", "W", "image width, a multiple of 8 (default: the model's native size)"),
            Option.value("height", "H", "image height, a multiple of 8 (default: the model's native size)")));

    static final List<Option> IMG2IMG = concat(COMMON, List.of(
            Option.value("image", "FILE", "input picture (PNG, JPEG, TIFF); sides multiples of 8"),
            Option.value("strength", "X", "how much to change it, 0..1 (default 0.8)")));

    static final List<Option> INPAINT = concat(COMMON, List.of(
            Option.value("image", "FILE", "input picture (PNG, JPEG, TIFF); sides multiples of 8 unless --padding"),
            Option.value("mask", "FILE", "the image's size; white (0.5 and up) is repainted, black kept"),
            Option.value("strength", "X", "how much to change the masked part, 0..1 (default 1.0)"),
            Option.value("feather", "PX", "soften the paste-back edge over PX pixels inside the mask (default 0)"),
            Option.value("padding", "PX", "only-masked mode: inpaint a box PX pixels around the mask at the"
                    + " model's resolution"),
            Option.flag("no-paste-back", "return the model's whole output (diffusers'), pixels outside the mask"
                    + " included")));

    static final List<Option> DEPTH2IMG = concat(COMMON, List.of(
            Option.value("image", "FILE", "input picture (PNG, JPEG, TIFF); sides multiples of 8"),
            Option.value("depth", "FILE", "depth map (larger = nearer), any size; first channel, 8/16/32-bit"
                    + " values as stored (default: estimated from --image)"),
            Option.value("depth-model", "DIR", "DPT depth estimator folder that estimates the depth when there is no"
                    + " --depth (default: the model folder's depth_estimator/)"),
            Option.value("strength", "X", "how much to change it, 0..1 (default 0.8)")));

    static final List<Option> UPSCALE = concat(COMMON, List.of(
            Option.value("image", "FILE", "low-resolution picture (PNG, JPEG, TIFF); the result is 4x its size"),
            Option.value("noise-level", "N", "noise added to the image, 0..max_noise_level (default 20)"),
            Option.value("tile", "PX", "denoise in tiles of PX input pixels, overlapping by PX/4 (default "
                    + Upscale.DEFAULT_TILE + ")")));

    private static List<Option> concat(List<Option> a, List<Option> b) {
        List<Option> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    static List<Option> options(String command) {
        return switch (command) {
            case "img2img" -> IMG2IMG;
            case "inpaint" -> INPAINT;
            case "depth2img" -> DEPTH2IMG;
            case "upscale" -> UPSCALE;
            default -> TXT2IMG;
        };
    }

    static String usage(String command) {
        String summary = switch (command) {
            case "img2img" -> "--model M --prompt TEXT --image in.png [--strength X] --out out.png";
            case "inpaint" -> "--model M --prompt TEXT --image in.png --mask mask.png [--feather PX] [--padding PX]"
                    + " [--no-paste-back] --out out.png";
            case "depth2img" -> "--model M --prompt TEXT --image in.png [--depth depth.tif | --depth-model DIR]"
                    + " [--strength X] --out out.png";
            case "upscale" -> "--model M --prompt TEXT --image low.png [--noise-level N] [--tile PX] --out out.png\n"
                    + "  (defaults here as diffusers': 75 steps, guidance 9)";
            default -> "--model M --prompt TEXT --out out.png";
        };
        return CommandLine.usage(command, summary, options(command));
    }

    /**
     * The pipeline's own inputs besides the request, read from the command line.
     *
     * @param depth the given depth map; null: estimated, by {@code depthModel} or the model folder's estimator
     * @param depthModel a DPT depth estimator folder, or null
     */
    public record Inputs(Plane depth, Path depthModel, Inpaint.Settings inpaint, Upscale.Settings upscale) {}

    /**
     * Which model a request runs on, and how it is held: requests with equal keys can share one loaded model.
     *
     * @param storage the dtype the weights are kept in (fp16 in low-memory mode)
     */
    public record ModelKey(String model, ModelOptions options, Device device, DataType dtype, DataType storage) {}

    /**
     * A command line checked and its inputs read, before any model loads: every argument, size and file check that
     * needs no model has passed. {@link #load}, {@link #execute} and {@link #write} do the rest.
     *
     * @param out the file the command line names (several images: {@link #outputs()})
     * @param download fetch the model from the Hugging Face Hub first when it is a repo id not in the cache
     */
    public record Plan(String command, ModelKey modelKey, GenerationRequest request, Inputs inputs, Path out,
                       String format, String reproduce, boolean download) {
        /** The files a run writes: {@code out}, or {@code out-1 ... out-N} for a batch. */
        public List<Path> outputs() {
            return ImageFiles.numbered(out, request.numImages());
        }
    }

    /**
     * A loaded model with the files it reads from (the model hash reads them on first use), on the key's device,
     * and the depth estimator its depth runs without a map used last (kept for the next: a job runs many).
     */
    public record Model(ModelKey key, ModelFiles files, StableDiffusion sd, double loadSeconds,
                        HeldDepthEstimator heldEstimator) implements AutoCloseable {

        /** The estimator of {@code depthModel} (null: the model folder's own), kept for the next run; null: none. */
        DepthEstimator depthEstimator(Path depthModel) throws IOException {
            Path folder = DepthEstimator.folderFor(files, depthModel);
            return folder == null ? null : heldEstimator.get(folder, key.device());
        }

        @Override
        public void close() throws IOException {
            try (ModelFiles f = files; HeldDepthEstimator e = heldEstimator) {
                sd.close();
            }
        }
    }

    static void run(String command, String[] args) throws UsageException, IOException {
        Plan plan = prepare(command, args);
        CommandLine cl = CommandLine.parse(command, options(command), args, 1);
        PreviewFile preview = previewFile(cl);
        int previewEvery = cl.integer("preview-every", 1);
        if (previewEvery < 1) throw new UsageException("Bad --preview-every '" + previewEvery + "': use 1 or more steps");
        ModelKey key = plan.modelKey();
        if (plan.download()) download(key, System.err);
        Generation result;
        try (Model model = load(key, files -> checkModel(plan, files))) {
            StableDiffusion sd = model.sd();
            System.err.printf("sd-ij: %s (%s) loaded on %s/%s%s in %.1f s%n", sd.name(), sd.kind(), key.device(),
                    key.dtype() == DataType.FLOAT16 ? "fp16" : "fp32",
                    sd.weightsNote() == null ? "" : " (weights " + sd.weightsNote() + ")", model.loadSeconds());
            ProgressBar bar = new ProgressBar(System.err, command);
            StepListener progress = (step, total, latents) -> {
                bar.update(step, total);
                return true;
            };
            if (preview != null) progress = LivePreview.around(progress, sd, previewEvery, preview);
            result = execute(plan, model, progress);
        }
        if (preview != null && !result.images().isEmpty()) preview.showFinal(result.images().get(0));
        for (Path written : write(plan, result, plan.outputs())) System.err.println("sd-ij: wrote " + written);
    }

    /** The {@code --preview} file, or null. */
    private static PreviewFile previewFile(CommandLine cl) throws UsageException {
        if (!cl.has("preview")) return null;
        Path path = Path.of(cl.get("preview"));
        if (!extension(path).equals("png")) {
            throw new UsageException("Bad --preview '" + path + "': the preview is a PNG file; give a path ending in .png");
        }
        return new PreviewFile(path);
    }

    /**
     * Parses and checks {@code args} (the command's name first, then its options, as {@code bin/sd-ij} takes them)
     * and reads the input images, without loading any model: a bad argument fails here, with the message the
     * command line prints.
     */
    public static Plan prepare(String command, String[] args) throws UsageException, IOException {
        CommandLine cl = CommandLine.parse(command, options(command), args, 1);
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
        boolean txt2img = command.equals("txt2img");
        RgbImage image = txt2img ? null : ImageFiles.read(Path.of(cl.require("image")));
        Inputs inputs = inputs(command, cl);
        GenerationRequest request;
        try {
            request = new GenerationRequest(cl.get("prompt", ""), cl.get("negative-prompt", ""), cl.seed("seed", GenerationRequest.DEFAULT_SEED),
                    cl.integer("steps", null), cl.decimal("guidance", null), sampler,
                    txt2img ? cl.integer("width", null) : null, txt2img ? cl.integer("height", null) : null,
                    cl.integer("num-images", 1), image, cl.has("strength") ? cl.decimal("strength", null) : null,
                    promptSyntax(cl.get("prompt-syntax")));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        checkSizes(command, request, inputs);
        Device device = device(cl.get("device"));
        DataType dtype = precision(cl.get("precision"), device);
        DataType storage = cl.has("low-memory") ? DataType.FLOAT16 : dtype;
        HubSettings hub = DownloadCommand.environment.get();
        ModelOptions options = ModelOptions.DEFAULT.withHubCache(hub.cacheRoot());
        if (cl.has("prediction")) options = options.withPrediction(ModelKind.Prediction.parse(cl.get("prediction")));
        if (cl.has("config")) options = options.withConfigFolder(Path.of(cl.get("config")));
        if (cl.has("fp16-weights")) options = options.withVariant("fp16");
        return new Plan(command, new ModelKey(model, options, device, dtype, storage), request, inputs, out,
                ext.equals("png") ? "png" : "tif", reproduceCommand(command, cl, args), cl.has("download"));
    }

    /**
     * The size checks that need no model (every Stable Diffusion VAE works in blocks of {@link #VAE_BLOCK} pixels;
     * the pipelines check again against the model's own factor).
     */
    private static void checkSizes(String command, GenerationRequest request, Inputs inputs) {
        if (request.width() != null) GenerationRequest.checkSize("Width", request.width(), VAE_BLOCK);
        if (request.height() != null) GenerationRequest.checkSize("Height", request.height(), VAE_BLOCK);
        RgbImage image = request.initImage();
        boolean wholeImage = command.equals("img2img") || command.equals("depth2img")
                || (command.equals("inpaint") && inputs.inpaint().paddingPx() == null);
        if (wholeImage) {
            GenerationRequest.checkSize("Image width", image.width(), VAE_BLOCK);
            GenerationRequest.checkSize("Image height", image.height(), VAE_BLOCK);
        }
        if (command.equals("inpaint")) {
            Plane mask = inputs.inpaint().mask();
            if (mask.width() != image.width() || mask.height() != image.height()) {
                throw new IllegalArgumentException("The mask is " + mask.size() + " but the image is "
                        + image.width() + "x" + image.height() + ": give a mask of the image's size");
            }
        }
    }

    /** Pixels per latent pixel of the Stable Diffusion VAEs that txt2img, img2img, inpaint and depth2img use. */
    static final int VAE_BLOCK = 8;

    /**
     * {@code --download}: fetches the key's model from the Hugging Face Hub (this process's settings: HF_ENDPOINT,
     * HF_TOKEN, HF_HOME ...) unless it is a local path or whole in the cache already; progress goes to {@code err}.
     */
    public static void download(ModelKey key, PrintStream err) throws IOException {
        DownloadCommand.ensureCached(key.model(), key.options().variant(), DownloadCommand.environment.get(), err);
    }

    /**
     * Opens and loads the model of {@code key}; {@code check} sees its files first (the kind of model they hold is
     * known from their names and shapes before any weight loads), so a wrong model fails in a second.
     */
    public static Model load(ModelKey key, FilesCheck check) throws IOException, UsageException {
        long t0 = System.nanoTime();
        ModelFiles files = ModelLocator.open(key.model(), key.options());
        try {
            check.check(files);
            StableDiffusion sd = StableDiffusion.load(files, key.device(), key.dtype(), key.storage());
            return new Model(key, files, sd, (System.nanoTime() - t0) / 1e9, new HeldDepthEstimator());
        } catch (IOException | UsageException | RuntimeException e) {
            files.close();
            throw e;
        }
    }

    /** A check of a model's files before its weights load. */
    @FunctionalInterface
    public interface FilesCheck {
        void check(ModelFiles files) throws UsageException;
    }

    /**
     * Refuses, before its weights load, a model the plan's command cannot run: another kind of model (naming the
     * command that runs it), or a depth model without a depth estimator when the plan gives no depth map.
     */
    public static void checkModel(Plan plan, ModelFiles files) throws UsageException {
        String command = plan.command();
        ModelKind kind = files.kind();
        String need = switch (command) {
            case "inpaint" -> kind.task() == ModelKind.Task.INPAINTING || kind.task() == ModelKind.Task.TEXT_TO_IMAGE
                    ? null : "Inpainting needs an inpainting model (9-channel UNet) or a plain one (4 channels, masked"
                    + " img2img)";
            case "depth2img" -> kind.task() == ModelKind.Task.DEPTH ? null
                    : "Depth to image needs a depth model (5-channel UNet, SD 2 depth)";
            case "upscale" -> kind.task() == ModelKind.Task.UPSCALE_X4 ? null
                    : "Upscaling needs the x4 upscaler (7-channel UNet)";
            default -> kind.task() == ModelKind.Task.TEXT_TO_IMAGE ? null
                    : command + " needs a plain text-to-image model";
        };
        if (need != null) {
            String runs = commandFor(kind.task());
            throw new IllegalArgumentException(need + "; " + files.name() + " is " + kind + ": use bin/sd-ij "
                    + (runs == null ? "txt2img or img2img" : runs));
        }
        if (command.equals("depth2img") && plan.inputs().depth() == null
                && DepthEstimator.folderFor(files, plan.inputs().depthModel()) == null) {
            throw new UsageException(noEstimator(files.name()));
        }
    }

    /** The error of a depth run that has neither a depth map nor an estimator: both ways out. */
    static String noEstimator(String model) {
        return model + " has no depth estimator (no depth_estimator/ folder): give a depth map with --depth FILE"
                + " (larger = nearer), or a DPT depth estimator with --depth-model DIR (a transformers DPT folder such"
                + " as Intel/dpt-hybrid-midas, or an SD 2 depth diffusers folder with depth_estimator/ and"
                + " feature_extractor/)";
    }

    /** Runs the plan's pipeline on {@code model}, loaded for the plan's {@link ModelKey} and passed by {@link #checkModel}. */
    public static Generation execute(Plan plan, Model model, StepListener progress) throws IOException {
        StableDiffusion sd = model.sd();
        GenerationRequest request = plan.request();
        Inputs inputs = plan.inputs();
        return switch (plan.command()) {
            case "img2img" -> ImageToImage.run(plain(sd, plan.command()), request, progress);
            case "inpaint" -> Inpaint.run(sd, request, inputs.inpaint(), progress);
            case "depth2img" -> inputs.depth() != null ? DepthToImage.run(sd, request, inputs.depth(), progress)
                    : estimated(model, request, inputs.depthModel(), progress);
            case "upscale" -> Upscale.run(sd, request, inputs.upscale(), progress);
            default -> TextToImage.run(plain(sd, plan.command()), request, progress);
        };
    }

    /** depth2img without --depth: the depth estimated by --depth-model or the model folder's own estimator. */
    private static Generation estimated(Model model, GenerationRequest request, Path depthModel, StepListener progress)
            throws IOException {
        DepthEstimator estimator = model.depthEstimator(depthModel);
        if (estimator == null) throw new IllegalArgumentException(noEstimator(model.files().name()));
        System.err.println("sd-ij: estimating depth with " + estimator.description());
        return DepthToImage.run(model.sd(), request, estimator, progress);
    }

    /**
     * Writes the images of {@code result} to {@code files} (one per image, in batch order) in the plan's format,
     * with the metadata that reproduces each: the parameters and the command line, which names the plan's own
     * output files whatever {@code files} are (a job writes to temporary names first).
     */
    public static List<Path> write(Plan plan, Generation result, List<Path> files) throws IOException {
        if (files.size() != result.images().size()) {
            throw new IllegalArgumentException(files.size() + " files for " + result.images().size() + " images");
        }
        for (int i = 0; i < files.size(); i++) {
            GenerationMetadata meta = result.metadata().get(i);
            if (plan.format().equals("png")) {
                Map<String, String> text = new LinkedHashMap<>();
                text.put("parameters", meta.toParameters());
                text.put("sd-ij-command", plan.reproduce());
                ImageFiles.writePng(files.get(i), result.images().get(i), text);
            } else {
                ImageFiles.writeFloatTiff(files.get(i), result.images().get(i),
                        meta.toParameters() + "\nCommand: " + plan.reproduce());
            }
        }
        return files;
    }

    /** The mask, depth map, inpainting and upscaling settings the command's options give. */
    private static Inputs inputs(String command, CommandLine cl) throws UsageException, IOException {
        try {
            switch (command) {
                case "inpaint" -> {
                    Plane mask = ImageFiles.readMask(Path.of(cl.require("mask")));
                    double feather = cl.decimal("feather", 0.0);
                    var settings = new Inpaint.Settings(mask, !cl.has("no-paste-back"), (float) feather,
                            cl.integer("padding", null));
                    return new Inputs(null, null, settings, null);
                }
                case "depth2img" -> {
                    Path depthModel = cl.has("depth-model") ? Path.of(cl.get("depth-model")) : null;
                    Plane depth = cl.has("depth") ? ImageFiles.readDepth(Path.of(cl.get("depth"))) : null;
                    return new Inputs(depth, depthModel, null, null);
                }
                case "upscale" -> {
                    int tile = cl.integer("tile", Upscale.DEFAULT_TILE);
                    if (tile < 8) throw new UsageException("Bad --tile '" + tile + "': use 8 or more input pixels");
                    var settings = Upscale.Settings.tiled(tile).withNoiseLevel(cl.integer("noise-level", null));
                    return new Inputs(null, null, null, settings);
                }
                default -> {
                    return new Inputs(null, null, null, null);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The command that runs a model of {@code task}; null for a plain model (txt2img and img2img). */
    static String commandFor(ModelKind.Task task) {
        return switch (task) {
            case TEXT_TO_IMAGE -> null;
            case INPAINTING -> "inpaint";
            case DEPTH -> "depth2img";
            case UPSCALE_X4 -> "upscale";
        };
    }

    /** txt2img and img2img need a plain (4-channel) model; the special ones have their own commands. */
    private static StableDiffusion plain(StableDiffusion sd, String command) {
        String instead = commandFor(sd.kind().task());
        if (instead != null) {
            throw new IllegalArgumentException(command + " needs a plain text-to-image model; " + sd.name() + " is "
                    + sd.kind() + ": use bin/sd-ij " + instead);
        }
        return sd;
    }
    /** The exact command that reproduces this output: every option as given, shell-quoted. */
    static String reproduceCommand(String command, CommandLine cl, String[] args) {
        StringBuilder s = new StringBuilder("bin/sd-ij");
        for (String a : args) s.append(' ').append(shellQuote(a));
        if (!cl.has("seed")) s.append(" --seed ").append(GenerationRequest.DEFAULT_SEED);
        if (!cl.has("prompt-syntax")) s.append(" --prompt-syntax ").append(PromptSyntax.A1111.id());
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

    static PromptSyntax promptSyntax(String name) throws UsageException {
        if (name == null) return PromptSyntax.A1111;
        try {
            return PromptSyntax.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("Bad --prompt-syntax '" + name + "': use a1111 (emphasis such as (word:1.2),"
                    + " prompts of any length) or plain (the text as it is, cut after 75 tokens)");
        }
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
