package org.sdij.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.sdij.random.TorchGenerator;
import org.sdij.sched.Sampler;

/** txt2img: noise times the sampler's initial sigma, denoised under the prompt, decoded. */
public final class TextToImage {
    private TextToImage() {}

    public static Generation run(StableDiffusion model, GenerationRequest request, StepListener listener) {
        return run(model, request, null, listener);
    }

    /**
     * @param startLatents unscaled starting noise [numImages, 4, h, w] as diffusers' {@code latents=}
     *     argument, or null to draw it from the seed
     */
    public static Generation run(StableDiffusion model, GenerationRequest request, float[] startLatents,
                                 StepListener listener) {
        int width = request.width() == null ? model.nativeSize() : request.width();
        int height = request.height() == null ? model.nativeSize() : request.height();
        GenerationRequest.checkSize("Width", width, model.vaeScale());
        GenerationRequest.checkSize("Height", height, model.vaeScale());
        int steps = request.stepsOrDefault();
        double guidance = request.guidanceOrDefault();
        Sampler sampler = model.sampler(request.sampler());
        sampler.setTimesteps(steps);

        TorchGenerator noise = new TorchGenerator(request.seed());
        Shape shape = new Shape(request.numImages(), 4, height / model.vaeScale(), width / model.vaeScale());
        float[] latents = startLatents != null ? startLatents.clone() : noise.randn(shape.getShape());
        float sigma = sampler.initNoiseSigma();
        for (int i = 0; i < latents.length; i++) latents[i] *= sigma;

        try (NDManager run = model.manager().newSubManager()) {
            var conditioning = new DenoiseLoop.Conditioning(
                    model.encodePrompts(request, request.numImages(),
                            guidance > 1.0, run),
                    null, null, guidance, model.dtype());
            float[] result = DenoiseLoop.run(model.unet()::forward, sampler, 0, latents, shape, conditioning,
                    noise, listener, run);
            return Outputs.of(model, "txt2img", request, steps, guidance, null, width, height, result, shape, listener);
        }
    }
}
