package org.sdij.ij;

import java.util.ArrayList;
import java.util.List;

/**
 * The parameter table of every Stable Diffusion command. The keys are the command line's option names
 * in snake_case; defaults are diffusers' (0 for a size means the model's own size).
 */
public final class CommandTables {

    private CommandTables() {
    }

    public static final String[] SAMPLERS = {
        "default", "ddim", "pndm", "euler", "euler_a", "lms", "dpmpp_2m", "dpmpp_2m_karras"};

    static final Field MODEL = Field.model("model");
    static final Field PROMPT = Field.text("prompt", "");
    static final Field NEGATIVE_PROMPT = Field.text("negative_prompt", "");
    static final Field SEED = Field.seed("seed", org.sdij.pipeline.GenerationRequest.DEFAULT_SEED);
    static final Field STEPS = Field.integer("steps", 50, 1, 1000, "");
    static final Field GUIDANCE = Field.decimal("guidance", 7.5, 0, 100.0, "");
    static final Field SAMPLER = Field.choice("sampler", "default", SAMPLERS);
    static final Field WIDTH = Field.integer("width", 0, 0, 8192, "px (0 = model's)");
    static final Field HEIGHT = Field.integer("height", 0, 0, 8192, "px (0 = model's)");
    static final Field NUM_IMAGES = Field.integer("num_images", 1, 1, 64, "");
    static final Field STRENGTH = Field.decimal("strength", 0.8, 0, 1.0, "");
    static final Field NOISE_LEVEL = Field.integer("noise_level", 20, 0, 350, "");
    /** The depth map: an open image, or estimated from the input by a DPT depth estimator. */
    static final Field DEPTH = Field.imageOr("depth", DepthToImageCommand.ESTIMATE).withUnits("image");
    /** A DPT depth estimator folder; empty: the model folder's own depth_estimator/. */
    static final Field ESTIMATOR = Field.directory("estimator", "").withUnits("(DPT folder; empty: the model's own)");
    static final Field FEATHER = Field.integer("feather", 0, 0, null, "px");
    static final Field PADDING = Field.integer("padding", 0, 0, null, "px (0 = whole image)");
    static final Field PASTE_BACK = Field.flag("paste_back", true);
    /** Every slice of a stack as a batch, or only the current one. */
    static final Field SLICES = Field.choice("slices", "current", "current", "all");
    /** On Esc during a stack run, keep the slices already made (as a shorter stack) instead of none. */
    static final Field KEEP_FINISHED = Field.flag("keep_finished", false);
    /** Channels of a composite as R,G,B (1-based, comma separated); empty: the channels shown. */
    static final Field CHANNELS = Field.text("channels", "").withUnits("(e.g. 1,2,3)");
    /** An RGB stack, or a 32-bit 3-channel composite holding the float result. */
    static final Field OUTPUT = Field.choice("output", "RGB", "RGB", "32-bit");
    static final Field DEVICE = Field.choice("device", "settings", "settings", "cpu", "gpu");

    public static final ParameterTable TEXT_TO_IMAGE = new ParameterTable("text_to_image", "Text to Image...",
            List.of(MODEL, PROMPT, NEGATIVE_PROMPT, SEED, STEPS, GUIDANCE, SAMPLER, WIDTH, HEIGHT, NUM_IMAGES,
                    OUTPUT, DEVICE));

    public static final ParameterTable IMAGE_TO_IMAGE = new ParameterTable("image_to_image", "Image to Image...",
            List.of(MODEL, PROMPT, NEGATIVE_PROMPT, SEED, STEPS, GUIDANCE, SAMPLER, STRENGTH, NUM_IMAGES,
                    SLICES, KEEP_FINISHED, CHANNELS, OUTPUT, DEVICE));

    public static final ParameterTable INPAINT = new ParameterTable("inpaint", "Inpaint Selection...",
            List.of(MODEL, PROMPT, NEGATIVE_PROMPT, SEED, STEPS, GUIDANCE, SAMPLER, STRENGTH.withDefault(1.0),
                    NUM_IMAGES, FEATHER, PADDING, PASTE_BACK, SLICES, KEEP_FINISHED, CHANNELS, OUTPUT, DEVICE));

    public static final ParameterTable DEPTH_TO_IMAGE = new ParameterTable("depth_to_image", "Depth to Image...",
            List.of(MODEL, PROMPT, NEGATIVE_PROMPT, SEED, STEPS, GUIDANCE, SAMPLER, STRENGTH, DEPTH, ESTIMATOR,
                    NUM_IMAGES, SLICES, KEEP_FINISHED, CHANNELS, OUTPUT, DEVICE));

    public static final ParameterTable ESTIMATE_DEPTH = new ParameterTable("estimate_depth", "Estimate Depth...",
            List.of(MODEL, ESTIMATOR, SLICES, CHANNELS, DEVICE));

    public static final ParameterTable UPSCALE = new ParameterTable("upscale", "Upscale 4x...",
            List.of(MODEL, PROMPT, NEGATIVE_PROMPT, SEED, STEPS.withDefault(75), GUIDANCE.withDefault(9.0), SAMPLER,
                    NOISE_LEVEL, SLICES, KEEP_FINISHED, CHANNELS, OUTPUT, DEVICE));

    public static final ParameterTable SETTINGS = new ParameterTable("settings", "Models and Settings...",
            List.of(Field.directory("models_folder", ""),
                    Field.choice("device", "cpu", "cpu", "gpu"),
                    Field.choice("precision", "fp32", "fp32", "fp16"),
                    Field.integer("threads", 0, 0, 1024, "(0 = all cores)"),
                    Field.integer("attention_limit", 1024, 0, null, "MB (0 = no limit)"),
                    Field.flag("low_memory", false).withUnits("(keep weights in fp16: half the memory)"),
                    Field.choice("prompt_syntax", "a1111", "a1111", "plain")
                            .withUnits("(a1111: (word:1.2), BREAK, long prompts)"),
                    Field.integer("preview_every", 1, 0, null, "steps (0 = no live preview)")));

    public static List<ParameterTable> all() {
        return new ArrayList<>(List.of(TEXT_TO_IMAGE, IMAGE_TO_IMAGE, INPAINT, DEPTH_TO_IMAGE, ESTIMATE_DEPTH, UPSCALE,
                SETTINGS));
    }
}
