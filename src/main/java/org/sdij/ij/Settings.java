package org.sdij.ij;

import org.sdij.text.PromptSyntax;

/**
 * What Plugins > Stable Diffusion > Models and Settings... stores in ImageJ's preferences: where the
 * models are, and how the core runs them. Read by every command before it loads a model.
 *
 * @param modelsFolder where model folders and single files are looked up by name ("" = none set)
 * @param device "cpu" or "gpu"
 * @param precision "fp32" or "fp16"
 * @param threads CPU threads for libtorch, 0 for all cores
 * @param attentionLimitMb largest attention score matrix before attention is chunked, 0 for no limit
 * @param lowMemory keep the weights in memory as fp16 and compute in the precision's type (half the memory
 *     for fp32; weights of an fp32 file are rounded to fp16)
 * @param promptSyntax "a1111" (emphasis, prompts of any length) or "plain" (diffusers: cut after 75 tokens)
 * @param previewEvery steps between live previews of the image being made, 0 for none
 */
public record Settings(String modelsFolder, String device, String precision, int threads, int attentionLimitMb,
                       boolean lowMemory, String promptSyntax, int previewEvery) {

    /** Settings with the default prompt syntax and live preview. */
    public Settings(String modelsFolder, String device, String precision, int threads, int attentionLimitMb,
                    boolean lowMemory) {
        this(modelsFolder, device, precision, threads, attentionLimitMb, lowMemory, PromptSyntax.A1111.id(), 1);
    }

    public static Settings of(ParameterTable.Values v) {
        return new Settings(v.string("models_folder"), v.string("device"), v.string("precision"),
                v.integer("threads"), v.integer("attention_limit"), v.flag("low_memory"), v.string("prompt_syntax"),
                v.integer("preview_every"));
    }

    /** The stored settings (or the defaults). */
    public static Settings current() {
        return of(CommandTables.SETTINGS.remembered());
    }

    /** The device for one run: the command's own choice, or the stored one when it says "settings". */
    public String deviceFor(String commandDevice) {
        return commandDevice == null || commandDevice.equals("settings") ? device : commandDevice;
    }
}
