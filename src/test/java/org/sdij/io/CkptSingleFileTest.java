package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.io.ModelFiles.Component;

/** A tiny model saved as a training checkpoint (.ckpt) resolves like its .safetensors copy. */
@Tag("golden")
class CkptSingleFileTest {

    @TempDir
    Path tmp;

    /** {"state_dict": {every tensor of the file}, "global_step": step}, as Lightning saves it. */
    static Path asCkpt(Path safetensors, Path dir, String name, long step) throws IOException {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().put().mark();
        p.str("state_dict").orderedDict().put().mark();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        try (SafeTensorsFile file = SafeTensorsFile.open(safetensors)) {
            for (String tensor : file.names()) {
                TensorInfo info = file.info(tensor);
                assertEquals(DType.F32, info.dtype(), tensor);
                String key = Integer.toString(storages.size());
                byte[] data = new byte[(int) info.byteSize()];
                file.bytes(tensor).get(data);
                storages.put(key, data);
                p.str(tensor).tensor("FloatStorage", key, info.elementCount(), 0, info.shape(),
                        PickleWriter.contiguousStrides(info.shape()));
            }
        }
        p.setItems();
        p.str("global_step").integer(step);
        return Checkpoints.ckpt(dir, name, p.setItems().stop(), storages);
    }

    @Test
    void ckptGivesTheSameTensorsAsSafetensors() throws IOException {
        Path tiny = Reference.resolve("tiny-models");
        for (String model : List.of("sd1", "sd2-v")) {
            Path ckpt = asCkpt(tiny.resolve(model + ".safetensors"), tmp, model + ".ckpt", 1);
            ModelOptions options = ModelOptions.DEFAULT.withConfigFolder(tiny.resolve(model));
            try (ModelFiles fromCkpt = ModelLocator.open(ckpt, options);
                 ModelFiles fromSafetensors = ModelLocator.open(tiny.resolve(model + ".safetensors"), options)) {
                assertEquals(fromSafetensors.kind(), fromCkpt.kind());
                assertEquals(model, fromCkpt.name());
                for (Component c : List.of(Component.UNET, Component.VAE, Component.TEXT_ENCODER)) {
                    TensorAsserts.assertSameTensors(fromSafetensors.weights(c), fromCkpt.weights(c), model + " " + c);
                }
            }
        }
    }

    /** Like diffusers: an SD 2 text-to-image checkpoint saved at step 875000 is SD 2 base (epsilon), else 768-v. */
    @Test
    void globalStepTellsSd2BaseFrom768v() throws IOException {
        Path sd2 = Reference.resolve("tiny-models/sd2-v.safetensors");
        for (long step : new long[] {875000, 110000}) {
            Path ckpt = asCkpt(sd2, tmp, "step" + step + ".ckpt", step);
            String preset = step == 875000 ? "sd2_base_512" : "sd2_768_v";
            // the tiny widths do not fit the real presets, and the message says which preset was chosen
            var e = assertThrows(WeightFormatException.class, () -> ModelLocator.open(ckpt.toString()));
            assertTrue(e.getMessage().contains("does not fit the " + preset + " preset"), e.getMessage());
        }
    }
}
