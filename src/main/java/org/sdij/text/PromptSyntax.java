package org.sdij.text;

import java.util.Locale;

/**
 * How a prompt's text becomes token weights and chunks.
 * <ul>
 *   <li>{@link #A1111}: the emphasis syntax of AUTOMATIC1111's web UI, which SD users type ({@code (word)},
 *       {@code [word]}, {@code (word:1.5)}, {@code \(} escapes, {@code BREAK}), and prompts of any length in
 *       chunks of {@value PromptChunks#CHUNK_TOKENS} tokens ({@link PromptParser}, {@link PromptChunks}).</li>
 *   <li>{@link #PLAIN}: diffusers' behaviour: the text as it is, cut after {@value ClipTokenizer#MAX_PROMPT_TOKENS}
 *       tokens.</li>
 * </ul>
 * A prompt without brackets, escapes, {@code BREAK} or overflow gives the same embeddings under both.
 */
public enum PromptSyntax {
    A1111,
    PLAIN;

    /** The name the command line, the settings and the metadata use: "a1111" or "plain". */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PromptSyntax parse(String name) {
        for (PromptSyntax s : values()) {
            if (s.id().equalsIgnoreCase(name == null ? "" : name.trim())) return s;
        }
        throw new IllegalArgumentException("Unknown prompt syntax '" + name + "': use a1111 (emphasis such as"
                + " (word:1.2) and prompts of any length) or plain (the text as it is, cut after "
                + ClipTokenizer.MAX_PROMPT_TOKENS + " tokens)");
    }

    @Override
    public String toString() {
        return id();
    }
}
