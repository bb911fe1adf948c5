package org.sdij.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelFiles.Component;
import org.sdij.io.ModelHash;
import org.sdij.io.ModelKind;
import org.sdij.io.Presets;
import org.sdij.nn.HeapTrim;
import org.sdij.nn.Ops;
import org.sdij.nn.Weights;
import org.sdij.nn.unet.UNet2DConditionModel;
import org.sdij.nn.unet.UNetConfig;
import org.sdij.nn.vae.AutoencoderKL;
import org.sdij.nn.vae.VaeConfig;
import org.sdij.sched.Sampler;
import org.sdij.sched.SchedulerConfig;
import org.sdij.sched.Samplers;
import org.sdij.text.ClipTextConfig;
import org.sdij.text.ClipTextEncoder;
import org.sdij.text.ClipTokenizer;
import org.sdij.text.PromptChunks;
import org.sdij.text.PromptEncoder;
import org.sdij.text.PromptSyntax;

/**
 * One loaded model: tokenizer, text encoder, UNet, VAE and the scheduler config, with their
 * weights in one long-lived manager. The pipelines borrow it; {@link #close} frees the weights.
 */
public final class StableDiffusion implements AutoCloseable {

    private final String name;
    private final ModelKind kind;
    private final NDManager manager;
    private final DataType dtype;
    private final DataType storageDtype;
    private final ClipTokenizer tokenizer;
    private final ClipTextEncoder textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final SchedulerConfig schedulerConfig;
    private final SchedulerConfig lowResSchedulerConfig;
    private final Integer maxNoiseLevel;
    private final List<String> notes;
    private final Supplier<String> modelHash;
    /** Where warnings go (see {@link #onWarning}). */
    private volatile Consumer<String> warnings = message -> System.err.println("sd-ij: warning: " + message);

    private StableDiffusion(String name, ModelKind kind, Supplier<String> modelHash, NDManager manager, DataType dtype,
                            DataType storageDtype, ClipTokenizer tokenizer,
                            ClipTextEncoder textEncoder, UNet2DConditionModel unet, AutoencoderKL vae,
                            SchedulerConfig schedulerConfig, SchedulerConfig lowResSchedulerConfig,
                            Integer maxNoiseLevel, List<String> notes) {
        this.name = name;
        this.kind = kind;
        this.modelHash = modelHash;
        this.manager = manager;
        this.dtype = dtype;
        this.storageDtype = storageDtype;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.schedulerConfig = schedulerConfig;
        this.lowResSchedulerConfig = lowResSchedulerConfig;
        this.maxNoiseLevel = maxNoiseLevel;
        this.notes = notes;
    }

    /** Builds every network strictly (all problems of a component reported at once) on {@code device}. */
    public static StableDiffusion load(ModelFiles files, Device device, DataType dtype) throws IOException {
        return load(files, device, dtype, dtype);
    }

    /**
     * As {@link #load(ModelFiles, Device, DataType)}, computing in {@code dtype} with the weights kept in memory
     * as {@code storageDtype} (low-memory mode: float16 storage, float32 compute; see
     * {@link Weights#of(org.sdij.io.TensorSource, NDManager, DataType, DataType)}).
     */
    public static StableDiffusion load(ModelFiles files, Device device, DataType dtype, DataType storageDtype)
            throws IOException {
        NDManager manager = NDManager.newBaseManager(device);
        ClipTokenizer tokenizer = null;
        try {
            tokenizer = ClipTokenizer.forModel(files);
            ClipTextEncoder text = ClipTextEncoder.load(
                    ClipTextConfig.fromJson(files.config(Component.TEXT_ENCODER).toString()),
                    Weights.of(files.weights(Component.TEXT_ENCODER), manager, dtype, storageDtype));
            Weights unetWeights = Weights.of(files.weights(Component.UNET), manager, dtype, storageDtype);
            UNet2DConditionModel unet = new UNet2DConditionModel(
                    UNetConfig.fromJson(files.config(Component.UNET)), unetWeights);
            unetWeights.finish();
            Weights vaeWeights = Weights.of(files.weights(Component.VAE), manager, dtype, storageDtype);
            AutoencoderKL vae = new AutoencoderKL(VaeConfig.fromJson(files.config(Component.VAE)), vaeWeights);
            vaeWeights.finish();
            SchedulerConfig scheduler = SchedulerConfig.fromJson(files.config(Component.SCHEDULER));
            JsonObject lowRes = files.config(Component.LOW_RES_SCHEDULER);
            JsonObject pipeline = files.pipelineConfig();
            return new StableDiffusion(files.name(), files.kind(), ModelHash.onFirstUse(files), manager, dtype,
                    storageDtype, tokenizer, text, unet, vae,
                    scheduler, lowRes == null ? null : SchedulerConfig.fromJson(lowRes),
                    pipeline.has("max_noise_level") ? pipeline.get("max_noise_level").getAsInt() : null,
                    files.notes());
        } catch (IOException | RuntimeException e) {
            if (tokenizer != null) tokenizer.close();
            manager.close();
            throw e;
        }
    }

    /**
     * The real architecture of a preset ({@link org.sdij.io.Presets}) with random weights and no files: for
     * timing whole pipelines (see the x4 upscale figures in docs/benchmarks.md). Its images mean nothing.
     */
    public static StableDiffusion withRandomWeights(String preset, ModelKind kind, Device device, DataType dtype)
            throws IOException {
        return withRandomWeights(preset, kind, device, dtype, dtype);
    }

    /** As {@link #withRandomWeights(String, ModelKind, Device, DataType)} with the weights stored as {@code storageDtype}. */
    public static StableDiffusion withRandomWeights(String preset, ModelKind kind, Device device, DataType dtype,
                                                    DataType storageDtype) throws IOException {
        NDManager manager = NDManager.newBaseManager(device);
        ClipTokenizer tokenizer = null;
        try {
            tokenizer = ClipTokenizer.bundled(kind.family() == ModelKind.Family.SD1
                    ? ClipTokenizer.SD1_PAD_TOKEN : ClipTokenizer.SD2_PAD_TOKEN);
            ClipTextEncoder text = ClipTextEncoder.load(
                    ClipTextConfig.fromJson(Presets.config(preset, "text_encoder").toString()),
                    Weights.random(manager, dtype, storageDtype));
            UNet2DConditionModel unet = new UNet2DConditionModel(
                    UNetConfig.fromJson(Presets.config(preset, "unet")), Weights.random(manager, dtype, storageDtype));
            AutoencoderKL vae = new AutoencoderKL(VaeConfig.fromJson(Presets.config(preset, "vae")),
                    Weights.random(manager, dtype, storageDtype));
            JsonObject lowRes = Presets.config(preset, "low_res_scheduler");
            JsonObject pipeline = Presets.config(preset, "pipeline");
            return new StableDiffusion(preset + " (random weights)", kind, () -> null, manager, dtype, storageDtype,
                    tokenizer, text, unet, vae,
                    SchedulerConfig.fromJson(Presets.config(preset, "scheduler")),
                    lowRes == null ? null : SchedulerConfig.fromJson(lowRes),
                    pipeline != null && pipeline.has("max_noise_level") ? pipeline.get("max_noise_level").getAsInt()
                            : null,
                    new java.util.ArrayList<>(List.of("Random weights: timing only.")));
        } catch (IOException | RuntimeException e) {
            if (tokenizer != null) tokenizer.close();
            manager.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public ModelKind kind() {
        return kind;
    }

    /**
     * The SHA-256 identity of the weights ({@link ModelHash}), hashed at the first call and kept while the model
     * is loaded (the outputs ask for it once images are made); null for random weights or unreadable files.
     */
    public String modelHash() {
        return modelHash.get();
    }

    public NDManager manager() {
        return manager;
    }

    /** The type the networks compute in. */
    public DataType dtype() {
        return dtype;
    }

    /** The type the weights' matrices and kernels are kept in: {@link #dtype} unless loaded in low-memory mode. */
    public DataType storageDtype() {
        return storageDtype;
    }

    /** Whether the weights are kept narrower than the networks compute (low-memory mode: memory before speed). */
    public boolean lowMemory() {
        return storageDtype != dtype;
    }

    /**
     * What the metadata says about how the weights were held, when it changes the numbers (float16 weights
     * under float32 compute: rounded copies of a float32 file's weights); null otherwise.
     */
    public String weightsNote() {
        if (!lowMemory()) return null;
        return (storageDtype == DataType.FLOAT16 ? "fp16" : storageDtype.toString().toLowerCase(java.util.Locale.ROOT))
                + " in memory";
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    public List<String> notes() {
        return Collections.unmodifiableList(notes);
    }

    public SchedulerConfig schedulerConfig() {
        return schedulerConfig;
    }

    /** The x4 upscaler's low-res noise schedule (a DDPM config), or null for other models. */
    public SchedulerConfig lowResSchedulerConfig() {
        return lowResSchedulerConfig;
    }

    /** The x4 upscaler's largest noise level ({@code max_noise_level} of its pipeline config), or null. */
    public Integer maxNoiseLevel() {
        return maxNoiseLevel;
    }

    /** The sampler asked for by name, or the model's own, built from the model's scheduler config. */
    public Sampler sampler(String samplerName) {
        return samplerName == null ? Samplers.forConfig(schedulerConfig) : Samplers.create(samplerName, schedulerConfig);
    }

    public String samplerName(String samplerName) {
        return samplerName == null ? Samplers.nameOf(schedulerConfig) : samplerName;
    }

    /** Pixels per latent pixel (8 for SD, 4 for the x4 upscaler's VAE). */
    public int vaeScale() {
        return vae.config().downscaleFactor();
    }

    /** The image size the model was trained at: UNet sample size times the VAE factor. */
    public int nativeSize() {
        return unet.config().sampleSize() * vaeScale();
    }

    /** As {@link #encodePrompts(String, String, PromptSyntax, int, boolean, NDManager)} for the request's prompts. */
    public NDArray encodePrompts(GenerationRequest request, int n, boolean guided, NDManager target) {
        return encodePrompts(request.prompt(), request.negativePrompt(), request.promptSyntax(), n, guided, target);
    }

    /** As {@link #encodePrompts(String, String, PromptSyntax, int, boolean, NDManager)} in A1111 syntax. */
    public NDArray encodePrompts(String prompt, String negativePrompt, int n, boolean guided, NDManager target) {
        return encodePrompts(prompt, negativePrompt, PromptSyntax.A1111, n, guided, target);
    }

    /**
     * Text embeddings for guidance: [negative x n; prompt x n] when {@code guided}, else [prompt x n],
     * as diffusers repeats them per image; [rows, 77 * chunks, width], the shorter of prompt and negative
     * prompt padded with empty chunks ({@link PromptEncoder}). Tokens the plain syntax drops are reported to
     * the {@link #onWarning warning sink}.
     */
    public NDArray encodePrompts(String prompt, String negativePrompt, PromptSyntax syntax, int n, boolean guided,
                                 NDManager target) {
        try (NDManager scope = target.newSubManager()) {
            PromptChunks condChunks = PromptChunks.of(prompt, syntax, tokenizer);
            PromptChunks uncondChunks = guided ? PromptChunks.of(negativePrompt, syntax, tokenizer) : null;
            warnIfDropped("prompt", condChunks, syntax);
            if (guided) warnIfDropped("negative prompt", uncondChunks, syntax);
            int chunks = guided ? Math.max(condChunks.count(), uncondChunks.count()) : condChunks.count();
            NDArray cond = PromptEncoder.encode(textEncoder, condChunks, chunks, tokenizer, scope);
            NDArray condRows = repeat(cond, n);
            NDArray context;
            if (guided) {
                NDArray uncond = PromptEncoder.encode(textEncoder, uncondChunks, chunks, tokenizer, scope);
                context = NDArrays.concat(new NDList(repeat(uncond, n), condRows), 0);
            } else {
                context = condRows;
            }
            context = context.toType(dtype, false);
            context.attach(target);
            return context;
        }
    }

    private void warnIfDropped(String what, PromptChunks chunks, PromptSyntax syntax) {
        if (chunks.dropped().length == 0) return;
        warnings.accept(PromptChunks.droppedWarning(what, chunks, syntax, tokenizer));
    }

    /**
     * Where this model's warnings go (prompt tokens dropped): standard error unless set; ImageJ sends them to its
     * Log.
     */
    public void onWarning(Consumer<String> sink) {
        warnings = sink == null ? message -> { } : sink;
    }

    private static NDArray repeat(NDArray rows, int n) {
        if (n == 1) return rows;
        NDList copies = new NDList();
        for (int i = 0; i < n; i++) copies.add(rows);
        return NDArrays.concat(copies, 0);
    }

    /** Latent tile side (and overlap) above which {@link #decode(float[], Shape)} decodes in tiles. */
    public static final int DECODE_TILE = 128;
    public static final int DECODE_OVERLAP = 16;

    /**
     * latents [B, 4, h, w] (scaled) to images in [0, 1], decoded one image at a time to bound memory; latents
     * larger than {@link #DECODE_TILE} on a side in overlapping tiles (the VAE's attention over a whole large
     * latent would not fit in memory). Smaller latents decode whole, exactly as diffusers does.
     */
    public List<RgbImage> decode(float[] latents, Shape shape) {
        return decode(latents, shape, DECODE_TILE, DECODE_OVERLAP);
    }

    /**
     * As {@link #decode(float[], Shape)} with tiles of {@code tile} x {@code tile} latent pixels overlapping by
     * at least {@code overlap}, blended over the overlap ({@link LatentTiles.Blender}); a latent that fits
     * one tile is decoded whole, and the blend then leaves its values unchanged.
     */
    public List<RgbImage> decode(float[] latents, Shape shape, int tile, int overlap) {
        return decode(latents, shape, tile, overlap, StepListener.NONE);
    }

    /**
     * As {@link #decode(float[], Shape, int, int)}, telling the listener after each image or tile
     * ({@link StepListener#onDecode}); when it answers false, the decode stops with a {@link CancelledException}.
     */
    public List<RgbImage> decode(float[] latents, Shape shape, int tile, int overlap, StepListener listener) {
        if (lowMemory()) { // the denoising loop's scratch memory, which the decoder's large tensors cannot reuse
            Ops.freeWideningBuffer();
            HeapTrim.trim();
        }
        try {
            return decodeAll(latents, shape, tile, overlap, listener);
        } finally {
            if (lowMemory()) Ops.freeWideningBuffer();
        }
    }

    private List<RgbImage> decodeAll(float[] latents, Shape shape, int tile, int overlap, StepListener listener) {
        int batch = (int) shape.get(0);
        int channels = (int) shape.get(1);
        int height = (int) shape.get(2);
        int width = (int) shape.get(3);
        int perImage = channels * height * width;
        float scale = (float) vae.scalingFactor();
        int factor = vaeScale();
        List<LatentTiles.Tile> tiles = LatentTiles.plan(height, width, tile, overlap);
        List<RgbImage> images = new java.util.ArrayList<>();
        String part = tiles.size() > 1 ? "tile" : "image";
        int parts = batch * tiles.size();
        int decoded = 0;
        for (int b = 0; b < batch; b++) {
            float[] one = new float[perImage];
            for (int i = 0; i < perImage; i++) one[i] = latents[b * perImage + i] / scale;
            var blender = new LatentTiles.Blender(3, height * factor, width * factor, overlap * factor);
            for (LatentTiles.Tile t : tiles) {
                float[] piece = LatentTiles.crop(one, channels, height, width, t);
                blender.add(t.scaled(factor), decodeWhole(piece, channels, t.height(), t.width()));
                decoded++;
                if (!listener.onDecode(decoded, parts)) throw CancelledException.whileDecoding(part, decoded, parts);
            }
            images.add(toImage(blender.result(), width * factor, height * factor));
        }
        return images;
    }

    /** One unscaled latent [channels, h, w] to pixels [3, h * factor, w * factor] in [-1, 1] (not clamped). */
    private float[] decodeWhole(float[] latent, int channels, int height, int width) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray z = scope.create(latent, new Shape(1, channels, height, width)).toType(dtype, false);
            return vae.decode(z).toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    /** [3, H, W] in [-1, 1] to [0, 1] planes: x / 2 + 0.5, clamped, as diffusers' postprocess. */
    private static RgbImage toImage(float[] chw, int width, int height) {
        int n = width * height;
        float[][] planes = new float[3][n];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                float v = chw[c * n + i] / 2f + 0.5f;
                planes[c][i] = Math.max(0f, Math.min(1f, v));
            }
        }
        return new RgbImage(width, height, planes);
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
        if (lowMemory()) Ops.freeWideningBuffer();
    }
}
