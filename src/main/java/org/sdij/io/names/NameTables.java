package org.sdij.io.names;

import com.google.gson.JsonObject;

/**
 * The LDM / OpenCLIP to diffusers name tables, each expanded for a component's diffusers config.
 * Apply one with {@link NameMap#view} and the component's single-file prefix.
 */
public final class NameTables {
    private NameTables() {}

    /** Single-file prefixes of the three components. */
    public static final String UNET_PREFIX = "model.diffusion_model.";
    public static final String VAE_PREFIX = "first_stage_model.";
    public static final String TEXT_PREFIX = "cond_stage_model.";
    /** Under {@link #TEXT_PREFIX}: SD 1's HF CLIP names, SD 2's OpenCLIP names. */
    public static final String CLIP_TEXT_MARK = "transformer.";
    public static final String OPENCLIP_TEXT_MARK = "model.";

    private static final RenameTable UNET = RenameTable.load("unet.tsv");
    private static final RenameTable VAE = RenameTable.load("vae.tsv");
    private static final RenameTable CLIP_TEXT = RenameTable.load("clip_text.tsv");
    private static final RenameTable OPENCLIP_TEXT = RenameTable.load("openclip_text.tsv");
    private static final RenameTable VAE_DIFFUSERS_LEGACY = RenameTable.load("vae_diffusers_legacy.tsv");

    /** {@code model.diffusion_model.*} to UNet2DConditionModel names, for this UNet config. */
    public static NameMap unet(JsonObject unetConfig) {
        return UNET.expand(Layouts.unet(unetConfig));
    }

    /** {@code first_stage_model.*} to AutoencoderKL names, for this VAE config. */
    public static NameMap vae(JsonObject vaeConfig) {
        return VAE.expand(Layouts.vae(vaeConfig));
    }

    /** SD 1: {@code cond_stage_model.transformer.*} (HF CLIP names) to CLIPTextModel names. */
    public static NameMap clipText(JsonObject textConfig) {
        return CLIP_TEXT.expand(Layouts.text(textConfig));
    }

    /** SD 2: {@code cond_stage_model.model.*} (OpenCLIP names) to CLIPTextModel names, for the config's layers. */
    public static NameMap openClipText(JsonObject textConfig) {
        return OPENCLIP_TEXT.expand(Layouts.text(textConfig));
    }

    /** Diffusers-folder VAEs saved before diffusers 0.14 (query/key/value/proj_attn); other names stay. */
    public static NameMap vaeDiffusersLegacy() {
        return VAE_DIFFUSERS_LEGACY.expand(java.util.Map.of());
    }
}
