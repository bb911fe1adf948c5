package org.sdij.io;

import java.nio.file.Path;

/**
 * Choices for {@link ModelLocator#open}; every field may be null for "decide from the model".
 *
 * @param variant      weight variant of a diffusers folder to prefer, e.g. {@code "fp16"} for
 *                     {@code diffusion_pytorch_model.fp16.safetensors}
 * @param prediction   the scheduler's prediction type, overriding what the model says or what is assumed
 *                     (single files rarely record it: SD 2 base 512 is epsilon, SD 2.x 768 is v_prediction)
 * @param configFolder a diffusers folder whose configs, scheduler and tokenizer a single file uses instead of
 *                     the preset of its kind (for fine-tunes with a non-standard architecture)
 * @param hubCache     the Hugging Face cache root; default from HF_HUB_CACHE / HF_HOME / ~/.cache
 */
public record ModelOptions(String variant, ModelKind.Prediction prediction, Path configFolder, Path hubCache) {

    public static final ModelOptions DEFAULT = new ModelOptions(null, null, null, null);

    public ModelOptions withVariant(String v) {
        return new ModelOptions(v, prediction, configFolder, hubCache);
    }

    public ModelOptions withPrediction(ModelKind.Prediction p) {
        return new ModelOptions(variant, p, configFolder, hubCache);
    }

    public ModelOptions withConfigFolder(Path folder) {
        return new ModelOptions(variant, prediction, folder, hubCache);
    }

    public ModelOptions withHubCache(Path root) {
        return new ModelOptions(variant, prediction, configFolder, root);
    }
}
