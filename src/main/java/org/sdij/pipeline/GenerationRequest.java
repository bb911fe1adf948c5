package org.sdij.pipeline;

import org.sdij.text.PromptParser;
import org.sdij.text.PromptSyntax;

/**
 * One generation as the user asked for it. Null settings mean "the model's default": steps 50,
 * guidance 7.5, the model's own sampler, the model's native size (as diffusers' pipelines).
 *
 * @param promptSyntax how the prompts are read (null: {@link PromptSyntax#A1111})
 */
public record GenerationRequest(
        String prompt,
        String negativePrompt,
        long seed,
        Integer steps,
        Double guidance,
        String sampler,
        Integer width,
        Integer height,
        int numImages,
        RgbImage initImage,
        Double strength,
        PromptSyntax promptSyntax) {

    /** The seed when none is given: the same for the command line and the ImageJ dialogs and macros. */
    public static final long DEFAULT_SEED = 42;
    public static final int DEFAULT_STEPS = 50;
    public static final double DEFAULT_GUIDANCE = 7.5;

    public GenerationRequest {
        if (prompt == null) prompt = "";
        if (promptSyntax == null) promptSyntax = PromptSyntax.A1111;
        if (promptSyntax == PromptSyntax.A1111) {
            checkSyntax("Prompt", prompt);
            checkSyntax("Negative prompt", negativePrompt);
        }
        if (negativePrompt == null) negativePrompt = "";
        if (numImages < 1) throw new IllegalArgumentException("num_images must be at least 1, got " + numImages);
        if (steps != null && steps < 1) throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        if (strength != null && (strength < 0 || strength > 1)) {
            throw new IllegalArgumentException("strength must be between 0 and 1, got " + strength);
        }
    }

    /** A request with the default prompt syntax. */
    public GenerationRequest(String prompt, String negativePrompt, long seed, Integer steps, Double guidance,
                             String sampler, Integer width, Integer height, int numImages, RgbImage initImage,
                             Double strength) {
        this(prompt, negativePrompt, seed, steps, guidance, sampler, width, height, numImages, initImage, strength,
                null);
    }

    public GenerationRequest withPromptSyntax(PromptSyntax syntax) {
        return new GenerationRequest(prompt, negativePrompt, seed, steps, guidance, sampler, width, height, numImages,
                initImage, strength, syntax);
    }

    public static GenerationRequest txt2img(String prompt, long seed) {
        return new GenerationRequest(prompt, "", seed, null, null, null, null, null, 1, null, null);
    }

    public int stepsOrDefault() {
        return steps == null ? DEFAULT_STEPS : steps;
    }

    public double guidanceOrDefault() {
        return guidance == null ? DEFAULT_GUIDANCE : guidance;
    }

    /** Refuses a prompt the A1111 syntax cannot read (a weight that is not a number), before any model is loaded. */
    private static void checkSyntax(String what, String prompt) {
        try {
            PromptParser.parse(prompt);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    /** Sizes must be multiples of 8 (the VAE's factor); the message names the nearest valid sizes. */
    public static void checkSize(String what, int size, int multiple) {
        if (size <= 0 || size % multiple != 0) {
            int below = Math.max(multiple, size / multiple * multiple);
            int above = Math.max(multiple, (size + multiple - 1) / multiple * multiple);
            String nearest = below == above ? Integer.toString(below) : below + " or " + above;
            throw new IllegalArgumentException(what + " " + size + " is not a multiple of " + multiple
                    + ": use " + nearest);
        }
    }
}
