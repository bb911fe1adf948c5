package org.sdij.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.sdij.random.TorchGenerator;
import org.sdij.sched.Sampler;
import org.sdij.sched.Samplers;

/**
 * img2img: the input image's latents (a posterior sample, drawn first from the seed) noised to the
 * level the strength picks, then denoised from there, as diffusers' img2img pipeline.
 */
public final class ImageToImage {
    private ImageToImage() {}

    public static final double DEFAULT_STRENGTH = 0.8;

    public static Generation run(StableDiffusion model, GenerationRequest request, StepListener listener) {
        RgbImage image = request.initImage();
        if (image == null) throw new IllegalArgumentException("Image to image needs an input image");
        Schedule schedule = schedule(model, request, image, DEFAULT_STRENGTH);
        int steps = schedule.steps();
        double guidance = schedule.guidance();
        double strength = schedule.strength();
        Sampler sampler = schedule.sampler();
        Samplers.Img2ImgStart start = schedule.start();
        if (start.effectiveSteps() < 1) {
            throw new IllegalArgumentException("Strength " + strength + " with " + steps
                    + " steps leaves no step to run: raise the strength or the steps");
        }

        TorchGenerator noise = new TorchGenerator(request.seed());
        int n = request.numImages();
        try (NDManager run = model.manager().newSubManager()) {
            float[] imageLatents = Rows.repeat(encode(model, image, noise, run), n);
            Shape shape = new Shape(n, 4, image.height() / model.vaeScale(), image.width() / model.vaeScale());
            float[] latents = sampler.addNoise(imageLatents, noise.randn(shape.getShape()), start.beginIndex());

            var conditioning = new DenoiseLoop.Conditioning(
                    model.encodePrompts(request, n, guidance > 1.0, run),
                    null, null, guidance, model.dtype());
            float[] result = DenoiseLoop.run(model.unet()::forward, sampler, start.beginIndex(), latents, shape,
                    conditioning, noise, listener, run);
            return Outputs.of(model, "img2img", request, steps, guidance, strength, image.width(), image.height(),
                    result, shape, listener);
        }
    }

    /**
     * The schedule of a pipeline that starts from the input image noised as far as the strength says (img2img,
     * depth, inpainting): the request's steps, guidance and strength, the sampler set to those steps, and where
     * in them denoising begins.
     */
    record Schedule(int steps, double guidance, double strength, Sampler sampler, Samplers.Img2ImgStart start) {
        /** The index of the first timestep to run. */
        int begin() {
            return start.beginIndex();
        }
    }

    /**
     * Checks that {@code image}'s sides are multiples of the VAE's factor, then sets up the request's schedule,
     * the strength defaulting to {@code defaultStrength}.
     */
    static Schedule schedule(StableDiffusion model, GenerationRequest request, RgbImage image,
                             double defaultStrength) {
        GenerationRequest.checkSize("Image width", image.width(), model.vaeScale());
        GenerationRequest.checkSize("Image height", image.height(), model.vaeScale());
        int steps = request.stepsOrDefault();
        double guidance = request.guidanceOrDefault();
        double strength = request.strength() == null ? defaultStrength : request.strength();
        Sampler sampler = model.sampler(request.sampler());
        sampler.setTimesteps(steps);
        return new Schedule(steps, guidance, strength, sampler, Samplers.img2imgStart(sampler, steps, strength));
    }

    /** scaling_factor * (mean + std * randn) of one image, the draw coming first from the generator. */
    static float[] encode(StableDiffusion model, RgbImage image, TorchGenerator noise, NDManager scope) {
        return encode(model, image.toSignedChw(), image.width(), image.height(), noise, scope);
    }

    /** As {@link #encode(StableDiffusion, RgbImage, TorchGenerator, NDManager)} for pixels [3, H, W] in [-1, 1]. */
    static float[] encode(StableDiffusion model, float[] signedChw, int width, int height, TorchGenerator noise,
                          NDManager scope) {
        try (NDManager temp = scope.newSubManager()) {
            NDArray pixels = temp.create(signedChw, new Shape(1, 3, height, width)).toType(model.dtype(), false);
            var posterior = model.vae().encode(pixels);
            Shape latentShape = posterior.mean().getShape();
            NDArray draw = temp.create(noise.randn(latentShape.getShape()), latentShape).toType(model.dtype(), false);
            float[] sample = posterior.sample(draw).toType(DataType.FLOAT32, false).toFloatArray();
            float scale = (float) model.vae().scalingFactor();
            for (int i = 0; i < sample.length; i++) sample[i] *= scale;
            return sample;
        }
    }
}
