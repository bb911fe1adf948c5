package org.sdij.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The files a pipeline download takes from a repo laid out as the real SD repos are. */
class PipelineFilesTest {

    static final JsonObject INDEX = JsonParser.parseString("""
            {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.6.0",
             "feature_extractor": ["transformers", "CLIPImageProcessor"],
             "safety_checker": ["stable_diffusion", "StableDiffusionSafetyChecker"],
             "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
             "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
             "vae": ["diffusers", "AutoencoderKL"]}""").getAsJsonObject();

    static final List<String> SIBLINGS = List.of(".gitattributes", "README.md", "model_index.json",
            "v1-5-pruned-emaonly.safetensors", "v1-5-pruned.ckpt",
            "feature_extractor/preprocessor_config.json",
            "safety_checker/config.json", "safety_checker/model.safetensors", "safety_checker/pytorch_model.bin",
            "scheduler/scheduler_config.json",
            "text_encoder/config.json", "text_encoder/model.fp16.safetensors", "text_encoder/model.safetensors",
            "text_encoder/pytorch_model.bin", "text_encoder/pytorch_model.fp16.bin", "text_encoder/flax_model.msgpack",
            "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json",
            "tokenizer/vocab.json",
            "unet/config.json", "unet/diffusion_pytorch_model.bin", "unet/diffusion_pytorch_model.fp16.safetensors",
            "unet/diffusion_pytorch_model.non_ema.safetensors", "unet/diffusion_pytorch_model.safetensors",
            "vae/config.json", "vae/diffusion_pytorch_model.bin", "vae/diffusion_pytorch_model.safetensors");

    @Test
    void safetensorsOverBinAndNoSingleFilesNorSafetyChecker() {
        assertEquals(List.of("model_index.json", "scheduler/scheduler_config.json",
                "text_encoder/config.json", "text_encoder/model.safetensors",
                "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json",
                "tokenizer/vocab.json",
                "unet/config.json", "unet/diffusion_pytorch_model.safetensors",
                "vae/config.json", "vae/diffusion_pytorch_model.safetensors"),
                PipelineFiles.select(INDEX, SIBLINGS, null));
    }

    @Test
    void aVariantWhereThereIsOneAndThePlainWeightsElsewhere() {
        List<String> fp16 = PipelineFiles.select(INDEX, SIBLINGS, "fp16");
        assertTrue(fp16.contains("unet/diffusion_pytorch_model.fp16.safetensors"));
        assertTrue(fp16.contains("text_encoder/model.fp16.safetensors"));
        assertTrue(fp16.contains("vae/diffusion_pytorch_model.safetensors"), "no fp16 VAE: the plain one");
        assertFalse(fp16.contains("unet/diffusion_pytorch_model.safetensors"));
        assertTrue(PipelineFiles.hasVariant(SIBLINGS, "fp16"));
        assertFalse(PipelineFiles.hasVariant(SIBLINGS, "bf16"));
    }

    @Test
    void binOnlyWhereNoSafetensorsTwinAndShardsWithTheirIndex() {
        List<String> siblings = List.of("model_index.json", "unet/config.json",
                "unet/diffusion_pytorch_model-00001-of-00002.safetensors",
                "unet/diffusion_pytorch_model-00002-of-00002.safetensors",
                "unet/diffusion_pytorch_model.safetensors.index.json", "unet/diffusion_pytorch_model.bin",
                "vae/config.json", "vae/diffusion_pytorch_model.bin");
        JsonObject index = JsonParser.parseString("{\"unet\": [\"diffusers\", \"U\"], \"vae\": [\"diffusers\", \"V\"],"
                + " \"safety_checker\": [null, null]}").getAsJsonObject();
        assertEquals(List.of("model_index.json", "unet/config.json",
                "unet/diffusion_pytorch_model-00001-of-00002.safetensors",
                "unet/diffusion_pytorch_model-00002-of-00002.safetensors",
                "unet/diffusion_pytorch_model.safetensors.index.json", "vae/config.json", "vae/diffusion_pytorch_model.bin"),
                PipelineFiles.select(index, siblings, null));
    }

    @Test
    void aDepthModelTakesItsEstimatorAndFeatureExtractor() {
        JsonObject index = JsonParser.parseString("{\"depth_estimator\": [\"transformers\", \"DPTForDepthEstimation\"],"
                + " \"feature_extractor\": [\"transformers\", \"DPTFeatureExtractor\"], \"unet\": [\"diffusers\", \"U\"]}")
                .getAsJsonObject();
        List<String> siblings = List.of("model_index.json", "depth_estimator/config.json",
                "depth_estimator/model.safetensors", "depth_estimator/pytorch_model.bin",
                "feature_extractor/preprocessor_config.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors");
        assertEquals(List.of("model_index.json", "depth_estimator/config.json", "depth_estimator/model.safetensors",
                "feature_extractor/preprocessor_config.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors"),
                PipelineFiles.select(index, siblings, null));
    }
}
