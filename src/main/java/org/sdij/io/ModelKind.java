package org.sdij.io;

import java.util.Locale;

/**
 * What a Stable Diffusion model is, told from its weights and scheduler config (never from file names):
 * the family by text-encoder width (SD 1: CLIP ViT-L, 768; SD 2: OpenCLIP ViT-H, 1024), the task by
 * the UNet's input channels, the prediction type from the scheduler. {@link #preset()} names the
 * folder of configs under {@code org/sdij/presets/} that single files of this kind use.
 */
public record ModelKind(Family family, Task task, Prediction prediction) {

    public enum Family { SD1, SD2 }

    /** By UNet input channels: latents, plus depth (1), mask and masked image (1 + 4), or the low-res image (3). */
    public enum Task {
        TEXT_TO_IMAGE(4, "StableDiffusionPipeline"),
        DEPTH(5, "StableDiffusionDepth2ImgPipeline"),
        INPAINTING(9, "StableDiffusionInpaintPipeline"),
        UPSCALE_X4(7, "StableDiffusionUpscalePipeline");

        public final int unetInChannels;
        /** The diffusers pipeline class that runs it. */
        public final String pipelineClass;

        Task(int unetInChannels, String pipelineClass) {
            this.unetInChannels = unetInChannels;
            this.pipelineClass = pipelineClass;
        }

        public static Task ofInChannels(int channels) throws WeightFormatException {
            for (Task t : values()) if (t.unetInChannels == channels) return t;
            throw new WeightFormatException("A UNet with " + channels + " input channels is none of the supported "
                    + "Stable Diffusion tasks (4: text/image to image, 5: depth, 9: inpainting, 7: x4 upscaling).");
        }
    }

    public enum Prediction {
        EPSILON("epsilon"), V_PREDICTION("v_prediction");

        /** The scheduler config's {@code prediction_type} value. */
        public final String configName;

        Prediction(String configName) {
            this.configName = configName;
        }

        /** {@code epsilon}, {@code v_prediction} (or {@code v}), case-insensitive. */
        public static Prediction parse(String name) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (n.equals("epsilon") || n.equals("eps")) return EPSILON;
            if (n.equals("v_prediction") || n.equals("v")) return V_PREDICTION;
            throw new IllegalArgumentException("Unknown prediction type '" + name + "' (epsilon or v_prediction; "
                    + "sample prediction is not used by Stable Diffusion 1/2).");
        }
    }

    /**
     * What the weights show. {@code textWidth}: the token embedding's width; {@code linearProjection}:
     * whether the UNet's transformers project in with a linear layer (SD 2 style) rather than a 1x1 conv
     * (SD 1), which decides the family when the text width is neither 768 nor 1024 (test-sized models).
     */
    public record Evidence(int unetInChannels, int textWidth, boolean linearProjection) {}

    public static final int SD1_TEXT_WIDTH = 768;
    public static final int SD2_TEXT_WIDTH = 1024;

    public static ModelKind of(Evidence evidence, Prediction prediction) throws WeightFormatException {
        Family family = switch (evidence.textWidth()) {
            case SD1_TEXT_WIDTH -> Family.SD1;
            case SD2_TEXT_WIDTH -> Family.SD2;
            default -> evidence.linearProjection() ? Family.SD2 : Family.SD1;
        };
        Task task = Task.ofInChannels(evidence.unetInChannels());
        if (family == Family.SD1 && (task == Task.DEPTH || task == Task.UPSCALE_X4)) {
            throw new WeightFormatException("A " + task + " UNet with an SD 1 text encoder (width "
                    + evidence.textWidth() + ") is not a known Stable Diffusion model.");
        }
        return new ModelKind(family, task, prediction);
    }

    /** The prediction a single file of this family and task has when nothing says otherwise. */
    public static Prediction defaultPrediction(Family family, Task task) {
        // SD 2 text-to-image single files are mostly 2.x 768-v; diffusers assumes the same
        return (family == Family.SD2 && task == Task.TEXT_TO_IMAGE) || task == Task.UPSCALE_X4
                ? Prediction.V_PREDICTION : Prediction.EPSILON;
    }

    /** The preset config folder (also the name of the matching folder in the reference configs). */
    public String preset() {
        return switch (task) {
            case UPSCALE_X4 -> "sd_x4_upscaler";
            case DEPTH -> "sd2_depth";
            // SD 1 inpainting is SD 1.5 with 9 input channels: the loader sets in_channels from the weights
            case INPAINTING -> family == Family.SD2 ? "sd2_inpainting" : "sd15";
            case TEXT_TO_IMAGE -> family == Family.SD1 ? "sd15"
                    : prediction == Prediction.V_PREDICTION ? "sd2_768_v" : "sd2_base_512";
        };
    }

    @Override
    public String toString() {
        return family + " " + task.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " (" + prediction.configName
                + ", preset " + preset() + ")";
    }
}
