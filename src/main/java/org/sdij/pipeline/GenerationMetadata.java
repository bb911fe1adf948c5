package org.sdij.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sdij.io.ModelHash;

/**
 * Everything needed to reproduce one generated image. Written into every output (PNG text chunk,
 * TIFF description, ImageJ Info) in the "parameters" form other Stable Diffusion tools read.
 *
 * @param modelHash the SHA-256 of the model's weights ({@link ModelHash}: 64 hex digits), or null
 *     when unknown (random weights, an unreadable file)
 */
public record GenerationMetadata(
        String pipeline,
        String model,
        String modelKind,
        String modelHash,
        String prompt,
        String negativePrompt,
        long seed,
        int imageIndex,
        int steps,
        String sampler,
        double guidance,
        Double strength,
        Integer noiseLevel,
        int width,
        int height,
        String version,
        Map<String, String> extra) {

    public static final String VERSION = "sd-ij " + versionOf();

    /**
     * The key of {@code extra} naming the prompt syntax ("a1111" or "plain", {@link org.sdij.text.PromptSyntax}),
     * recorded for every image. Images made before it was recorded read their prompts as plain text.
     */
    public static final String PROMPT_SYNTAX = "Prompt syntax";

    private static String versionOf() {
        String v = GenerationMetadata.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    /** Ordered key/value pairs, the form ImageJ image properties take. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("pipeline", pipeline);
        m.put("model", model);
        if (modelHash != null) m.put("model_hash", modelHash);
        m.put("model_kind", modelKind);
        m.put("prompt", prompt);
        m.put("negative_prompt", negativePrompt);
        m.put("seed", Long.toUnsignedString(seed));
        m.put("image_index", Integer.toString(imageIndex));
        m.put("steps", Integer.toString(steps));
        m.put("sampler", sampler);
        m.put("guidance", Double.toString(guidance));
        if (strength != null) m.put("strength", Double.toString(strength));
        if (noiseLevel != null) m.put("noise_level", Integer.toString(noiseLevel));
        m.put("width", Integer.toString(width));
        m.put("height", Integer.toString(height));
        m.put("version", version);
        if (extra != null) m.putAll(extra);
        return m;
    }

    /**
     * The A1111-style block: prompt line, "Negative prompt: ..." line, then "Key: value, ..." settings.
     * The batch position is given as "Batch pos" since all images of a batch share one seed; the model hash
     * as A1111 gives it, its first 10 hex digits.
     */
    public String toParameters() {
        StringBuilder s = new StringBuilder(prompt);
        s.append("\nNegative prompt: ").append(negativePrompt);
        s.append("\nSteps: ").append(steps)
                .append(", Sampler: ").append(sampler)
                .append(", CFG scale: ").append(guidance)
                .append(", Seed: ").append(Long.toUnsignedString(seed))
                .append(", Size: ").append(width).append('x').append(height)
                .append(", Model: ").append(model);
        if (modelHash != null) s.append(", Model hash: ").append(ModelHash.shortForm(modelHash));
        s.append(", Model kind: ").append(modelKind)
                .append(", Pipeline: ").append(pipeline)
                .append(", Batch pos: ").append(imageIndex);
        if (strength != null) s.append(", Denoising strength: ").append(strength);
        if (noiseLevel != null) s.append(", Noise level: ").append(noiseLevel);
        if (extra != null) extra.forEach((k, v) -> s.append(", ").append(k).append(": ").append(v));
        s.append(", Version: ").append(version);
        return s.toString();
    }
}
