package org.sdij.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sdij.io.ModelKind;
import org.sdij.random.TorchGenerator;

/**
 * Depth-conditioned image to image (5-channel UNet, SD 2 depth), as diffusers' StableDiffusionDepth2ImgPipeline
 * with a given depth map: img2img whose UNet also sees the depth map, resized to latent size and stretched to
 * [-1, 1] ({@link DepthMaps#prepare}). A depth map of another size than the image is resized; a flat one
 * conditions on 0 everywhere.
 */
public final class DepthToImage {
    private DepthToImage() {}

    public static final double DEFAULT_STRENGTH = 0.8;

    /**
     * @param depth the depth map: any size, any units or range (diffusers takes its estimator's relative inverse
     *              depth as is: larger is nearer)
     */
    public static Generation run(StableDiffusion model, GenerationRequest request, Plane depth,
                                 StepListener listener) {
        if (model.kind().task() != ModelKind.Task.DEPTH) {
            throw new IllegalArgumentException("Depth to image needs a depth model (5-channel UNet, SD 2 depth); "
                    + model.name() + " is " + model.kind());
        }
        RgbImage image = request.initImage();
        if (image == null) throw new IllegalArgumentException("Depth to image needs an input image");
        if (depth == null) {
            throw new IllegalArgumentException("Depth to image needs a depth map (an image whose values are depths,"
                    + " larger = nearer): sd-ij does not estimate depth yet, so give one");
        }
        ImageToImage.Schedule schedule = ImageToImage.schedule(model, request, image, DEFAULT_STRENGTH);
        int steps = schedule.steps();
        double guidance = schedule.guidance();
        double strength = schedule.strength();
        int h = image.height() / model.vaeScale();
        int w = image.width() / model.vaeScale();
        int n = request.numImages();
        boolean guided = guidance > 1.0;
        float[] depthOne = DepthMaps.prepare(depth.values(), 1, depth.height(), depth.width(), h, w, 1, false);

        TorchGenerator noise = new TorchGenerator(request.seed());
        try (NDManager run = model.manager().newSubManager()) {
            // draws as diffusers: the image's posterior sample, then the noise
            float[] imageLatents = Rows.repeat(ImageToImage.encode(model, image, noise, run), n);
            Shape shape = new Shape(n, 4, h, w);
            float[] latents = schedule.sampler().addNoise(imageLatents, noise.randn(shape.getShape()),
                    schedule.begin());
            var conditioning = new DenoiseLoop.Conditioning(
                    model.encodePrompts(request, n, guided, run),
                    Rows.channels(run, (guided ? 2 : 1) * n, h, w, depthOne), null, guidance, model.dtype());
            float[] result = DenoiseLoop.run(model.unet()::forward, schedule.sampler(), schedule.begin(), latents,
                    shape, conditioning, noise, listener, run);
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("Depth map", depth.size());
            return Outputs.of(model, "depth2img", request, steps, guidance, strength, null, extra, image.width(),
                    image.height(), result, shape, listener);
        }
    }
}
