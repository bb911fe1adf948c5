package org.sdij.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sdij.io.ModelKind;
import org.sdij.random.TorchGenerator;
import org.sdij.sched.DdpmSampler;
import org.sdij.sched.Sampler;
import org.sdij.sched.SchedulerConfig;

/**
 * x4 upscaling (7-channel UNet with class labels, v-prediction, the upscaler's VAE), as diffusers'
 * StableDiffusionUpscalePipeline: the low-resolution image, noised by the low-res DDPM schedule to
 * {@code noise_level}, is concatenated with latents of its own size, the noise level is the UNet's class
 * label, and the VAE decodes 4x. Large inputs run in overlapping latent tiles ({@link TiledDenoiser}) with
 * all noise drawn once for the whole canvas, and decode in tiles.
 */
public final class Upscale {
    private Upscale() {}

    public static final int DEFAULT_NOISE_LEVEL = 20;
    /** diffusers' defaults for this pipeline (not the 50 steps and 7.5 of the others). */
    public static final int DEFAULT_STEPS = 75;
    public static final double DEFAULT_GUIDANCE = 9.0;
    /** diffusers' {@code max_noise_level} when the model does not give one. */
    public static final int DEFAULT_MAX_NOISE_LEVEL = 350;
    /** Tile side in low-res (= latent) pixels: the size the x4 model was trained at. */
    public static final int DEFAULT_TILE = 128;

    /**
     * @param noiseLevel      noise added to the low-res image, 0 .. the model's max_noise_level; null for 20
     * @param tile            tile side in low-res pixels; an image no larger runs in one piece
     * @param overlap         least overlap of neighbouring tiles, in low-res pixels (less than the tile)
     * @param lowResScheduler the low-res noise schedule, or null for the model's own
     */
    public record Settings(Integer noiseLevel, int tile, int overlap, SchedulerConfig lowResScheduler) {
        public Settings {
            LatentTiles.plan(1, 1, tile, overlap); // tile > 0, 0 <= overlap < tile, with the planner's message
        }

        public static Settings defaults() {
            return tiled(DEFAULT_TILE);
        }

        /** Tiles of {@code tile} overlapping by a quarter of it. */
        public static Settings tiled(int tile) {
            return new Settings(null, tile, tile / 4, null);
        }

        public Settings withNoiseLevel(Integer level) {
            return new Settings(level, tile, overlap, lowResScheduler);
        }

        public Settings withLowResScheduler(SchedulerConfig config) {
            return new Settings(noiseLevel, tile, overlap, config);
        }

        int noiseLevelOrDefault() {
            return noiseLevel == null ? DEFAULT_NOISE_LEVEL : noiseLevel;
        }
    }

    public static Generation run(StableDiffusion model, GenerationRequest request, Settings settings,
                                 StepListener listener) {
        return run(model, request, settings, null, listener);
    }

    /**
     * @param startLatents unscaled starting noise [numImages, 4, H, W] (the low-res image's size) as diffusers'
     *     {@code latents=} argument (the seed still draws the low-res image's noise), or null to draw it too
     */
    public static Generation run(StableDiffusion model, GenerationRequest request, Settings settings,
                                 float[] startLatents, StepListener listener) {
        if (model.kind().task() != ModelKind.Task.UPSCALE_X4) {
            throw new IllegalArgumentException("Upscaling needs the x4 upscaler (7-channel UNet); " + model.name()
                    + " is " + model.kind());
        }
        RgbImage image = request.initImage();
        if (image == null) throw new IllegalArgumentException("Upscaling needs an input image");
        int maxNoise = model.maxNoiseLevel() == null ? DEFAULT_MAX_NOISE_LEVEL : model.maxNoiseLevel();
        int noiseLevel = settings.noiseLevelOrDefault();
        if (noiseLevel < 0 || noiseLevel > maxNoise) {
            throw new IllegalArgumentException("Noise level " + noiseLevel + " is out of range: use 0 to " + maxNoise
                    + " (the model's max_noise_level)");
        }
        SchedulerConfig lowResConfig = settings.lowResScheduler() != null ? settings.lowResScheduler()
                : model.lowResSchedulerConfig();
        if (lowResConfig == null) {
            throw new IllegalArgumentException(model.name() + " has no low_res_scheduler config");
        }
        int steps = request.steps() == null ? DEFAULT_STEPS : request.steps();
        double guidance = request.guidance() == null ? DEFAULT_GUIDANCE : request.guidance();
        boolean guided = guidance > 1.0;
        Sampler sampler = model.sampler(request.sampler());
        sampler.setTimesteps(steps);
        int n = request.numImages();
        int h = image.height();
        int w = image.width();
        Shape shape = new Shape(n, 4, h, w);
        if (startLatents != null && startLatents.length != shape.size()) {
            throw new IllegalArgumentException("start latents of " + startLatents.length + " values for " + shape);
        }

        TorchGenerator noise = new TorchGenerator(request.seed());
        // draws as diffusers: the low-res image's noise, then the latents
        float[] lowRes = image.toSignedChw();
        float[] noised = new DdpmSampler(lowResConfig).schedule().addNoise(lowRes, noise.randn(1, 3, h, w),
                noiseLevel);
        float[] latents = startLatents != null ? startLatents.clone() : noise.randn(shape.getShape());
        float sigma = sampler.initNoiseSigma();
        for (int i = 0; i < latents.length; i++) latents[i] *= sigma;

        try (NDManager run = model.manager().newSubManager()) {
            int rows = (guided ? 2 : 1) * n;
            long[] labels = new long[rows];
            Arrays.fill(labels, noiseLevel);
            NDArray classLabels = run.create(labels);
            var conditioning = new DenoiseLoop.Conditioning(
                    model.encodePrompts(request, n, guided, run),
                    Rows.channels(run, rows, h, w, noised), classLabels, guidance, model.dtype());
            Denoiser tiled = new TiledDenoiser(model.unet()::forward, settings.tile(), settings.overlap());
            float[] result = DenoiseLoop.run(tiled, sampler, 0, latents, shape, conditioning, noise, listener, run);
            Map<String, String> extra = new LinkedHashMap<>();
            int tileCount = LatentTiles.plan(h, w, settings.tile(), settings.overlap()).size();
            if (tileCount > 1) {
                extra.put("Tiles", tileCount + " of " + settings.tile() + " px overlapping " + settings.overlap());
            }
            return Outputs.of(model, "upscale", request, steps, guidance, null, noiseLevel, extra,
                    w * model.vaeScale(), h * model.vaeScale(), result, shape, listener);
        }
    }
}
