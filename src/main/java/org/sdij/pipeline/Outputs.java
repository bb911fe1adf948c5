package org.sdij.pipeline;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Decodes final latents and pairs each image with the metadata that reproduces it. */
final class Outputs {
    private Outputs() {}

    /** The metadata key saying how the weights were held in memory, present only in low-memory mode. */
    static final String WEIGHTS_KEY = "Weights";

    static Generation of(StableDiffusion model, String pipeline, GenerationRequest request, int steps,
                         double guidance, Double strength, int width, int height, float[] latents, Shape shape,
                         StepListener listener) {
        return of(model, pipeline, request, steps, guidance, strength, null, null, width, height, latents, shape,
                listener);
    }

    /**
     * @param noiseLevel the upscaler's noise level, or null
     * @param extra further settings for the metadata (inpainting mode, paste-back, tiles), or null
     * @param listener told after each part of the decode, which it may cancel
     */
    static Generation of(StableDiffusion model, String pipeline, GenerationRequest request, int steps,
                         double guidance, Double strength, Integer noiseLevel, Map<String, String> extra,
                         int width, int height, float[] latents, Shape shape, StepListener listener) {
        List<RgbImage> images = model.decode(latents, shape, StableDiffusion.DECODE_TILE,
                StableDiffusion.DECODE_OVERLAP, listener);
        return new Generation(images, metadata(model, pipeline, request, steps, guidance, strength, noiseLevel, extra,
                width, height, images.size()), latents);
    }

    static List<GenerationMetadata> metadata(StableDiffusion model, String pipeline, GenerationRequest request,
                                             int steps, double guidance, Double strength, Integer noiseLevel,
                                             Map<String, String> extra, int width, int height, int count) {
        List<GenerationMetadata> metadata = new ArrayList<>();
        String modelHash = model.modelHash();
        extra = extra == null ? new LinkedHashMap<>() : new LinkedHashMap<>(extra);
        if (model.weightsNote() != null) extra.put(WEIGHTS_KEY, model.weightsNote());
        extra.put(GenerationMetadata.PROMPT_SYNTAX, request.promptSyntax().id());
        for (int i = 0; i < count; i++) {
            metadata.add(new GenerationMetadata(pipeline, model.name(), model.kind().toString(), modelHash,
                    request.prompt(), request.negativePrompt(), request.seed(), i + 1, steps,
                    model.samplerName(request.sampler()), guidance, strength, noiseLevel, width, height, GenerationMetadata.VERSION,
                    extra == null || extra.isEmpty() ? null : Collections.unmodifiableMap(new LinkedHashMap<>(extra))));
        }
        return metadata;
    }
}
