package org.sdij.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Opens one weight file by its type: safetensors, or a PyTorch pickle checkpoint (.ckpt, .pt, .pth, .bin). */
public final class TensorFiles {
    private TensorFiles() {}

    public enum Type { SAFETENSORS, TORCH_PICKLE }

    public static TensorSource open(Path file) throws IOException {
        return switch (typeOf(file)) {
            case SAFETENSORS -> SafeTensorsFile.open(file);
            case TORCH_PICKLE -> CkptFile.open(file);
        };
    }

    /** By extension; an unknown extension is decided from the first bytes. */
    public static Type typeOf(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) return Type.SAFETENSORS;
        for (String ext : new String[] {".ckpt", ".pt", ".pth", ".bin"}) {
            if (name.endsWith(ext)) return Type.TORCH_PICKLE;
        }
        byte[] head = new byte[9];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return Type.TORCH_PICKLE;
        if (n == 9 && head[8] == '{' && head[6] == 0 && head[7] == 0) return Type.SAFETENSORS;
        throw new WeightFormatException(file + " is not a model file: expected a .safetensors or .ckpt Stable Diffusion "
                + "checkpoint, or a diffusers folder (with model_index.json, unet/, vae/, text_encoder/, ...).");
    }

    public static boolean isWeightFileName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".safetensors") || name.endsWith(".ckpt");
    }
}
