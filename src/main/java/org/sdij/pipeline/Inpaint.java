package org.sdij.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sdij.random.TorchGenerator;
import org.sdij.sched.Sampler;

/**
 * Inpainting. Its raw output is diffusers' StableDiffusionInpaintPipeline's: with a 9-channel UNet the mask
 * at latent size and the latents of the masked image are concatenated with the latents; with a plain
 * 4-channel model it falls back to masked img2img (the known region, re-noised, is put back after every
 * step) and says so in the metadata. On top of that, paste-back composites the result over the input
 * through the (feathered) mask so unmasked pixels come back bit-identical, and only-masked mode
 * ({@link OnlyMasked}) inpaints a padded box around the mask at the model's resolution.
 */
public final class Inpaint {
    private Inpaint() {}

    public static final double DEFAULT_STRENGTH = 1.0;

    /**
     * @param mask      the image's size; 0.5 and up (white) is repainted, below kept
     * @param pasteBack composite the result over the input through the mask (diffusers does not)
     * @param featherPx width in pixels of the paste-back ramp inside the mask; 0 or 1 for a hard edge
     * @param paddingPx null to inpaint the whole image; otherwise only-masked mode with this padding
     */
    public record Settings(Plane mask, boolean pasteBack, float featherPx, Integer paddingPx) {
        public Settings {
            if (mask == null) throw new IllegalArgumentException("Inpainting needs a mask");
            if (!(featherPx >= 0)) throw new IllegalArgumentException("feather must be 0 or more, got " + featherPx);
            if (paddingPx != null && paddingPx < 0) {
                throw new IllegalArgumentException("padding must be 0 or more, got " + paddingPx);
            }
        }

        /** diffusers' output as it is: the whole image, nothing pasted back. */
        public static Settings raw(Plane mask) {
            return new Settings(mask, false, 0f, null);
        }
    }

    public static Generation run(StableDiffusion model, GenerationRequest request, Settings settings,
                                 StepListener listener) {
        return run(model, request, settings, null, listener);
    }

    /**
     * @param startLatents unscaled starting noise [numImages, 4, h, w] as diffusers' {@code latents=} argument
     *     (the seed then still feeds the masked image's posterior sample), or null to draw it from the seed
     */
    public static Generation run(StableDiffusion model, GenerationRequest request, Settings settings,
                                 float[] startLatents, StepListener listener) {
        RgbImage image = request.initImage();
        if (image == null) throw new IllegalArgumentException("Inpainting needs an input image");
        Plane mask = settings.mask();
        if (mask.width() != image.width() || mask.height() != image.height()) {
            throw new IllegalArgumentException("The mask is " + mask.size() + " but the image is " + image.width()
                    + "x" + image.height() + ": give a mask of the image's size");
        }
        float[] binary = InpaintMasks.binarize(mask.values());
        if (InpaintMasks.isEmpty(binary)) {
            throw new IllegalArgumentException("The mask is empty (no pixel is white, i.e. 0.5 or more): nothing to"
                    + " inpaint");
        }
        boolean nineChannels = nineChannels(model);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("Inpaint mode", nineChannels ? "inpainting model" : "masked img2img (4-channel model)");
        extra.put("Paste-back", settings.pasteBack() ? "feather " + settings.featherPx() + " px" : "off");
        if (settings.paddingPx() != null) {
            if (startLatents != null) {
                throw new IllegalArgumentException("Start latents cannot be given in only-masked mode");
            }
            return OnlyMasked.run(model, request, settings, binary, nineChannels, extra, listener);
        }
        Generation raw = whole(model, request, image, binary, nineChannels, startLatents, extra,
                image.width(), image.height(), listener);
        if (!settings.pasteBack()) return raw;
        List<RgbImage> pasted = new ArrayList<>();
        for (RgbImage result : raw.images()) {
            pasted.add(InpaintMasks.composite(result, image, binary, settings.featherPx()));
        }
        return new Generation(pasted, raw.metadata(), raw.latents());
    }

    private static boolean nineChannels(StableDiffusion model) {
        return switch (model.kind().task()) {
            case INPAINTING -> true;
            case TEXT_TO_IMAGE -> false;
            default -> throw new IllegalArgumentException("Inpainting needs an inpainting model (9-channel UNet) or"
                    + " a plain one (4 channels, masked img2img); " + model.name() + " is " + model.kind());
        };
    }

    /**
     * diffusers' pipeline on the whole of {@code image} with the binarised {@code mask}; the metadata gives
     * {@code outWidth} x {@code outHeight}, the size of what the caller finally returns.
     */
    static Generation whole(StableDiffusion model, GenerationRequest request, RgbImage image, float[] mask,
                            boolean nineChannels, float[] startLatents, Map<String, String> extra, int outWidth,
                            int outHeight, StepListener listener) {
        ImageToImage.Schedule schedule = ImageToImage.schedule(model, request, image, DEFAULT_STRENGTH);
        int steps = schedule.steps();
        double guidance = schedule.guidance();
        double strength = schedule.strength();
        Sampler sampler = schedule.sampler();
        int begin = schedule.begin();
        int factor = model.vaeScale();
        int n = request.numImages();
        int h = image.height() / factor;
        int w = image.width() / factor;
        Shape shape = new Shape(n, 4, h, w);
        if (startLatents != null && startLatents.length != shape.size()) {
            throw new IllegalArgumentException("start latents of " + startLatents.length + " values for " + shape);
        }

        TorchGenerator noise = new TorchGenerator(request.seed());
        try (NDManager run = model.manager().newSubManager()) {
            // diffusers' draws, in its order: the image's posterior sample where it encodes the image, the
            // starting noise unless given, then the masked image's posterior sample
            float[] signed = image.toSignedChw();
            boolean fullStrength = strength == 1.0;
            float[] imageLatents = null;
            if (!nineChannels || (startLatents == null && !fullStrength)) {
                imageLatents = Rows.repeat(ImageToImage.encode(model, signed, image.width(), image.height(), noise,
                        run), n);
            }
            float[] startNoise = startLatents != null ? startLatents.clone() : noise.randn(shape.getShape());
            float[] latents;
            if (startLatents == null && !fullStrength) {
                latents = sampler.addNoise(imageLatents, startNoise, begin);
            } else {
                latents = startNoise.clone();
                float sigma = sampler.initNoiseSigma();
                for (int i = 0; i < latents.length; i++) latents[i] *= sigma;
            }
            float[] maskOne = InpaintMasks.latentMask(mask, image.height(), image.width(), factor, 1, false);
            float[] maskedImage = InpaintMasks.maskImage(signed, 3, mask);
            boolean guided = guidance > 1.0;
            NDArray channels = null;
            DenoiseLoop.AfterStep keepKnown = null;
            if (nineChannels) {
                float[] maskedLatents = ImageToImage.encode(model, maskedImage, image.width(), image.height(),
                        noise, run);
                channels = Rows.channels(run, (guided ? 2 : 1) * n, h, w, maskOne, maskedLatents);
            } else {
                noise.randn(1, 4, h, w); // diffusers encodes the masked image here too, unused: keep in step
                keepKnown = knownRegion(sampler, imageLatents, startNoise, maskOne, n);
            }
            var conditioning = new DenoiseLoop.Conditioning(
                    model.encodePrompts(request, n, guided, run),
                    channels, null, guidance, model.dtype());
            float[] result = DenoiseLoop.run(model.unet()::forward, sampler, begin, latents, shape, conditioning,
                    noise, keepKnown, listener, run);
            return Outputs.of(model, "inpaint", request, steps, guidance, strength, null, extra, outWidth, outHeight,
                    result, shape, listener);
        }
    }

    /**
     * Masked img2img: after step i, the kept region becomes the image latents noised to the next timestep
     * (clean after the last), {@code (1 - m) * known + m * latents} in float32 as diffusers computes it.
     */
    private static DenoiseLoop.AfterStep knownRegion(Sampler sampler, float[] imageLatents, float[] noise,
                                                     float[] latentMask, int batch) {
        int plane = latentMask.length;
        int channels = imageLatents.length / batch / plane;
        return (i, latents) -> {
            float[] known = i + 1 < sampler.timesteps().length
                    ? sampler.addNoise(imageLatents, noise, i + 1) : imageLatents;
            float[] out = new float[latents.length];
            for (int b = 0; b < batch; b++) {
                for (int c = 0; c < channels; c++) {
                    int base = (b * channels + c) * plane;
                    for (int p = 0; p < plane; p++) {
                        float m = latentMask[p];
                        out[base + p] = (1f - m) * known[base + p] + m * latents[base + p];
                    }
                }
            }
            return out;
        };
    }
}
