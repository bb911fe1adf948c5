package org.sdij.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
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
     * The A1111-style block: prompt line, "Negative prompt: ..." line, then "Key: value, ..." settings on the last
     * line. The batch position is given as "Batch pos" since all images of a batch share one seed; the model hash
     * as A1111 gives it, its first 10 hex digits. A value holding a comma, colon, quote or line break is written
     * as a JSON string (as A1111 does), so that the settings stay one line that {@link #fromParameters} splits back.
     */
    public String toParameters() {
        StringBuilder s = new StringBuilder(prompt);
        s.append("\n").append(NEGATIVE_PROMPT).append(negativePrompt).append('\n');
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("Steps", Integer.toString(steps));
        settings.put("Sampler", sampler);
        settings.put("CFG scale", Double.toString(guidance));
        settings.put("Seed", Long.toUnsignedString(seed));
        settings.put("Size", width + "x" + height);
        settings.put("Model", model);
        if (modelHash != null) settings.put("Model hash", ModelHash.shortForm(modelHash));
        settings.put("Model kind", modelKind);
        settings.put("Pipeline", pipeline);
        settings.put("Batch pos", Integer.toString(imageIndex));
        if (strength != null) settings.put("Denoising strength", Double.toString(strength));
        if (noiseLevel != null) settings.put("Noise level", Integer.toString(noiseLevel));
        if (extra != null) extra.forEach((k, v) -> settings.putIfAbsent(k, v));
        settings.put("Version", version);
        StringJoiner line = new StringJoiner(", ");
        settings.forEach((k, v) -> line.add(k + ": " + ParametersText.quoted(v)));
        return s.append(line).toString();
    }

    private static final String NEGATIVE_PROMPT = "Negative prompt: ";

    /**
     * The record a {@link #toParameters()} text holds: its exact inverse ({@code fromParameters(m.toParameters())}
     * equals {@code m} but for the model hash, which the text keeps as its first 10 hex digits; and the text of the
     * result is the same text). The prompt and negative prompt may span lines; the prompt is what comes before the
     * first line that starts "Negative prompt: ", so a prompt holding such a line of its own does not come back.
     *
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    public static GenerationMetadata fromParameters(String text) {
        int last = text.lastIndexOf('\n');
        if (last < 0) throw new IllegalArgumentException("the parameters text has no settings line (Steps: ..., Seed: ...)");
        String lines = "\n" + text.substring(0, last); // the prompt may be empty: the text then starts at its line
        int at = lines.indexOf("\n" + NEGATIVE_PROMPT);
        if (at < 0) throw new IllegalArgumentException("the parameters text has no 'Negative prompt:' line");
        String prompt = lines.substring(1, Math.max(at, 1));
        String negativePrompt = lines.substring(at + 1 + NEGATIVE_PROMPT.length());
        Map<String, String> settings = ParametersText.settings(text.substring(last + 1));
        String size = ParametersText.take(settings, "Size");
        int x = size.indexOf('x');
        if (x < 0) throw new IllegalArgumentException("the parameters' Size '" + size + "' is not WIDTHxHEIGHT");
        try {
            long seed = Long.parseUnsignedLong(ParametersText.take(settings, "Seed"));
            int steps = Integer.parseInt(ParametersText.take(settings, "Steps"));
            String sampler = ParametersText.take(settings, "Sampler");
            double guidance = Double.parseDouble(ParametersText.take(settings, "CFG scale"));
            String model = ParametersText.take(settings, "Model");
            String hash = settings.remove("Model hash");
            String kind = ParametersText.take(settings, "Model kind");
            String pipeline = ParametersText.take(settings, "Pipeline");
            int index = Integer.parseInt(ParametersText.take(settings, "Batch pos"));
            String strength = settings.remove("Denoising strength");
            String noise = settings.remove("Noise level");
            String version = ParametersText.take(settings, "Version");
            return new GenerationMetadata(pipeline, model, kind, hash, prompt, negativePrompt, seed, index, steps,
                    sampler, guidance, strength == null ? null : Double.valueOf(strength),
                    noise == null ? null : Integer.valueOf(noise), Integer.parseInt(size.substring(0, x)),
                    Integer.parseInt(size.substring(x + 1)), version, settings.isEmpty() ? null : Collections.unmodifiableMap(settings));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the parameters text has a number that is not one (" + e.getMessage() + ")");
        }
    }
}
