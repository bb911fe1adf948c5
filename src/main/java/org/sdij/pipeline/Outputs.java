package org.sdij.pipeline;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/** Decodes final latents and pairs each image with the metadata that reproduces it. */
final class Outputs {
    private Outputs() {}

    static Generation of(StableDiffusion model, String pipeline, GenerationRequest request, int steps,
                         double guidance, Double strength, int width, int height, float[] latents, Shape shape) {
        List<RgbImage> images = model.decode(latents, shape);
        List<GenerationMetadata> metadata = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            metadata.add(new GenerationMetadata(pipeline, model.name(), model.kind().toString(), request.prompt(),
                    request.negativePrompt(), request.seed(), i + 1, steps, model.samplerName(request.sampler()),
                    guidance, strength, null, width, height, GenerationMetadata.VERSION, null));
        }
        return new Generation(images, metadata, latents);
    }
}
