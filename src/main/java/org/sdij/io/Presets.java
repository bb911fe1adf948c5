package org.sdij.io;

import com.google.gson.JsonObject;
import java.io.IOException;

/**
 * The configs single files use, per {@link ModelKind#preset()}: {@code org/sdij/presets/<preset>/<component>_config.json},
 * copies of the reference configs (what diffusers derives from each model's original LDM yaml).
 */
public final class Presets {
    private Presets() {}

    /** {@code component}: unet, vae, text_encoder, scheduler, low_res_scheduler or pipeline; null when the preset has none. */
    public static JsonObject config(String preset, String component) throws IOException {
        String resource = "/org/sdij/presets/" + preset + "/" + component + "_config.json";
        if (Presets.class.getResource(resource) == null) return null;
        return JsonFiles.readResource(resource);
    }
}
