package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.sdij.Reference;
import org.sdij.io.ModelFiles.Component;
import org.sdij.io.names.NameMap;
import org.sdij.io.names.NameTables;

/**
 * Real-size single files without real weights: a header-only source with every tensor a real checkpoint
 * of each reference config has (plus what real checkpoints carry beyond it: SD 2's 24th text layer,
 * text_projection and logit_scale, SD 1's position_ids, EMA and schedule tensors) and the shapes that
 * detection reads. It must resolve to that config's kind and preset, with nothing left over.
 */
@Tag("golden")
class RealSizeSingleFileTest {

    @TestFactory
    Stream<DynamicTest> everyReferenceConfigResolvesToItsPreset() throws IOException {
        try (Stream<Path> dirs = Files.list(Reference.resolve("configs"))) {
            // Stable Diffusion configs only: the depth estimator's folder (dpt-hybrid-midas) is no checkpoint
            return dirs.filter(dir -> Files.isRegularFile(dir.resolve("unet_config.json"))).sorted().toList().stream()
                    .map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
        }
    }

    private static void check(Path dir) throws IOException {
        String preset = dir.getFileName().toString();
        JsonObject unet = TensorAsserts.readJson(dir.resolve("unet_config.json"));
        JsonObject vae = TensorAsserts.readJson(dir.resolve("vae_config.json"));
        JsonObject text = TensorAsserts.readJson(dir.resolve("text_encoder_config.json"));
        String prediction = TensorAsserts.readJson(dir.resolve("scheduler_config.json")).get("prediction_type").getAsString();
        int width = text.get("hidden_size").getAsInt();
        boolean openClip = text.get("hidden_act").getAsString().equals("gelu");
        int channels = unet.getAsJsonArray("block_out_channels").get(0).getAsInt();
        int layers = text.get("num_hidden_layers").getAsInt();

        FakeSource file = new FakeSource();
        NameMap unetMap = NameTables.unet(unet);
        NameMap textMap = openClip ? NameTables.openClipText(text) : NameTables.clipText(text);
        unetMap.sourceNames().forEach(n -> file.with(NameTables.UNET_PREFIX + n, 1));
        NameTables.vae(vae).sourceNames().forEach(n -> file.with(NameTables.VAE_PREFIX + n, 1));
        textMap.sourceNames().forEach(n -> file.with(NameTables.TEXT_PREFIX + n, 1));
        file.with("model.diffusion_model.input_blocks.0.0.weight", channels, unet.get("in_channels").getAsInt(), 3, 3)
                .with("first_stage_model.encoder.conv_in.weight", vae.getAsJsonArray("block_out_channels").get(0).getAsInt(), 3, 3, 3)
                .with("model.diffusion_model.middle_block.1.transformer_blocks.0.attn2.to_k.weight", 1280,
                        unet.get("cross_attention_dim").getAsInt())
                .with("model_ema.decay", 1).with("alphas_cumprod", 1000);
        boolean linear = unet.get("use_linear_projection").getAsBoolean();
        file.with("model.diffusion_model.middle_block.1.proj_in.weight", linear ? new long[] {1280, 1280} : new long[] {1280, 1280, 1, 1});
        if (openClip) {
            file.with("cond_stage_model.model.token_embedding.weight", 49408, width)
                    .with("cond_stage_model.model.transformer.resblocks." + layers + ".ln_1.weight", width)
                    .with("cond_stage_model.model.transformer.resblocks." + layers + ".attn.in_proj_weight", 3 * width, width)
                    .with("cond_stage_model.model.text_projection", width, width).with("cond_stage_model.model.logit_scale");
        } else {
            file.with("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", 49408, width)
                    .with("cond_stage_model.transformer.text_model.embeddings.position_ids", 1, 77);
        }

        ModelOptions options = ModelOptions.DEFAULT.withPrediction(ModelKind.Prediction.parse(prediction));
        try (ModelFiles model = SingleFileModel.open(file, dir.resolve("model.safetensors"), "model", options)) {
            assertEquals(preset, model.kind().preset());
            assertEquals(width == 768 ? ModelKind.Family.SD1 : ModelKind.Family.SD2, model.kind().family());
            assertEquals(unet.get("in_channels").getAsInt(), model.kind().task().unetInChannels);
            TensorAsserts.assertSameNames(unetMap.targetNames(), model.weights(Component.UNET).names(), "unet");
            TensorAsserts.assertSameNames(textMap.targetNames(), model.weights(Component.TEXT_ENCODER).names(), "text");
            assertEquals(TensorAsserts.readJson(dir.resolve("unet_config.json")), model.config(Component.UNET));
            assertEquals(TensorAsserts.readJson(dir.resolve("scheduler_config.json")), model.config(Component.SCHEDULER));
            assertTrue(model.notes().stream().anyMatch(n -> n.contains("alphas_cumprod (1), model_ema (1)")), model.notes().toString());
            assertEquals(model.kind().task() == ModelKind.Task.UPSCALE_X4, model.config(Component.LOW_RES_SCHEDULER) != null);
            assertEquals(null, model.tokenizerDir());
        }
        // without a prediction type, single files take the family's usual one
        try (ModelFiles model = SingleFileModel.open(file, dir.resolve("model.safetensors"), "model", ModelOptions.DEFAULT)) {
            assertEquals(ModelKind.defaultPrediction(model.kind().family(), model.kind().task()), model.kind().prediction());
        }
        if (width == 768) {
            // SD 1 inpainting (9 channels) has no preset of its own: SD 1.5's, with in_channels from the weights
            file.with("model.diffusion_model.input_blocks.0.0.weight", channels, 9, 3, 3);
            try (ModelFiles model = SingleFileModel.open(file, dir.resolve("inpaint.safetensors"), "inpaint", options)) {
                assertEquals(ModelKind.Task.INPAINTING, model.kind().task());
                assertEquals(preset, model.kind().preset());
                assertEquals(9, model.config(Component.UNET).get("in_channels").getAsInt());
            }
        }
    }
}
