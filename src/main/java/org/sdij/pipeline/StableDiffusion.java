package org.sdij.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelFiles.Component;
import org.sdij.io.ModelKind;
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

/**
 * One loaded model: tokenizer, text encoder, UNet, VAE and the scheduler config, with their
 * weights in one long-lived manager. The pipelines borrow it; {@link #close} frees the weights.
 */
public final class StableDiffusion implements AutoCloseable {

    private final String name;
    private final ModelKind kind;
    private final NDManager manager;
    private final DataType dtype;
    private final ClipTokenizer tokenizer;
    private final ClipTextEncoder textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final SchedulerConfig schedulerConfig;
    private final List<String> notes;

    private StableDiffusion(String name, ModelKind kind, NDManager manager, DataType dtype, ClipTokenizer tokenizer,
                            ClipTextEncoder textEncoder, UNet2DConditionModel unet, AutoencoderKL vae,
                            SchedulerConfig schedulerConfig, List<String> notes) {
        this.name = name;
        this.kind = kind;
        this.manager = manager;
        this.dtype = dtype;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.schedulerConfig = schedulerConfig;
        this.notes = notes;
    }

    /** Builds every network strictly (all problems of a component reported at once) on {@code device}. */
    public static StableDiffusion load(ModelFiles files, Device device, DataType dtype) throws IOException {
        NDManager manager = NDManager.newBaseManager(device);
        ClipTokenizer tokenizer = null;
        try {
            tokenizer = ClipTokenizer.forModel(files);
            ClipTextEncoder text = ClipTextEncoder.load(
                    ClipTextConfig.fromJson(files.config(Component.TEXT_ENCODER).toString()),
                    Weights.of(files.weights(Component.TEXT_ENCODER), manager, dtype));
            Weights unetWeights = Weights.of(files.weights(Component.UNET), manager, dtype);
            UNet2DConditionModel unet = new UNet2DConditionModel(
                    UNetConfig.fromJson(files.config(Component.UNET)), unetWeights);
            unetWeights.finish();
            Weights vaeWeights = Weights.of(files.weights(Component.VAE), manager, dtype);
            AutoencoderKL vae = new AutoencoderKL(VaeConfig.fromJson(files.config(Component.VAE)), vaeWeights);
            vaeWeights.finish();
            SchedulerConfig scheduler = SchedulerConfig.fromJson(files.config(Component.SCHEDULER));
            return new StableDiffusion(files.name(), files.kind(), manager, dtype, tokenizer, text, unet, vae,
                    scheduler, files.notes());
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

    public NDManager manager() {
        return manager;
    }

    public DataType dtype() {
        return dtype;
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

    /**
     * Text embeddings for guidance: [negative x n; prompt x n] when {@code guided}, else [prompt x n],
     * as diffusers repeats them per image.
     */
    public NDArray encodePrompts(String prompt, String negativePrompt, int n, boolean guided, NDManager target) {
        try (NDManager scope = target.newSubManager()) {
            NDArray cond = textEncoder.encode(new long[][] {tokenizer.encode(prompt)}, scope);
            NDArray condRows = repeat(cond, n);
            NDArray context;
            if (guided) {
                NDArray uncond = textEncoder.encode(new long[][] {tokenizer.encode(negativePrompt)}, scope);
                context = NDArrays.concat(new NDList(repeat(uncond, n), condRows), 0);
            } else {
                context = condRows;
            }
            context = context.toType(dtype, false);
            context.attach(target);
            return context;
        }
    }

    private static NDArray repeat(NDArray rows, int n) {
        if (n == 1) return rows;
        NDList copies = new NDList();
        for (int i = 0; i < n; i++) copies.add(rows);
        return NDArrays.concat(copies, 0);
    }

    /** latents [B, 4, h, w] (scaled) to images in [0, 1], decoded one image at a time to bound memory. */
    public List<RgbImage> decode(float[] latents, Shape shape) {
        int batch = (int) shape.get(0);
        int perImage = (int) (shape.size() / batch);
        float scale = (float) vae.scalingFactor();
        List<RgbImage> images = new java.util.ArrayList<>();
        for (int b = 0; b < batch; b++) {
            try (NDManager scope = manager.newSubManager()) {
                float[] one = new float[perImage];
                for (int i = 0; i < perImage; i++) one[i] = latents[b * perImage + i] / scale;
                NDArray z = scope.create(one, new Shape(1, shape.get(1), shape.get(2), shape.get(3))).toType(dtype, false);
                NDArray pixels = vae.decode(z).toType(DataType.FLOAT32, false);
                images.add(toImage(pixels.toFloatArray(), (int) pixels.getShape().get(3), (int) pixels.getShape().get(2)));
            }
        }
        return images;
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
    }
}
