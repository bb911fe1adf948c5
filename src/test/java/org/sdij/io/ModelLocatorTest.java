package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.io.ModelFiles.Component;
import org.sdij.nn.Weights;

/** Resolution of --model arguments: the Hub cache, variants, shards, legacy names, and what is said when it fails. */
class ModelLocatorTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path tmp;

    private static Path tiny(String name) {
        return Reference.resolve("tiny-models").resolve(name);
    }

    /** A cache root holding {@code org/tiny} as huggingface_hub lays it out, files linked like its blobs. */
    private Path fakeCache() throws IOException {
        Path repo = tmp.resolve("hub/models--org--tiny");
        TestFiles.linkAll(tiny("sd1"), repo.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT + "\n");
        return tmp.resolve("hub");
    }

    @Test
    void repoIdsResolveInTheHubCache() throws IOException {
        ModelOptions options = ModelOptions.DEFAULT.withHubCache(fakeCache());
        for (String id : List.of("org/tiny", "org/tiny@main", "org/tiny@" + COMMIT)) {
            try (ModelFiles model = ModelLocator.open(id, options)) {
                assertEquals("org/tiny", model.name());
                assertEquals(ModelKind.Family.SD1, model.kind().family());
                assertTrue(model.origin().endsWith(COMMIT), model.origin().toString());
            }
        }
        // the repo folder itself also works as a path
        try (ModelFiles model = ModelLocator.open(tmp.resolve("hub/models--org--tiny").toString())) {
            assertEquals("org/tiny", model.name());
        }
    }

    @Test
    void absentRepoSaysHowToGetIt() throws IOException {
        Path root = fakeCache();
        IOException e = assertThrows(IOException.class,
                () -> ModelLocator.open("org/absent", ModelOptions.DEFAULT.withHubCache(root)));
        assertContains(e, "org/absent", root.toString(), "bin/sd-ij download org/absent", "--download", "HF_HUB_CACHE");
        e = assertThrows(IOException.class, () -> ModelLocator.open("org/tiny@v2", ModelOptions.DEFAULT.withHubCache(root)));
        assertContains(e, "no revision 'v2'", COMMIT);
        Files.writeString(root.resolve("models--org--tiny/refs/main"), "f".repeat(40));
        e = assertThrows(IOException.class, () -> ModelLocator.open("org/tiny", ModelOptions.DEFAULT.withHubCache(root)));
        assertContains(e, "f".repeat(40), "does not exist");
    }

    @Test
    void cacheRootFollowsTheHuggingFaceVariables() {
        assertEquals(Paths.get("/c"), HubCache.defaultRoot(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/h"), "/home/u"));
        assertEquals(Paths.get("/h/hub"), HubCache.defaultRoot(Map.of("HF_HOME", "/h", "XDG_CACHE_HOME", "/x"), "/home/u"));
        assertEquals(Paths.get("/x/huggingface/hub"), HubCache.defaultRoot(Map.of("XDG_CACHE_HOME", "/x"), "/home/u"));
        assertEquals(Paths.get("/home/u/.cache/huggingface/hub"), HubCache.defaultRoot(Map.of(), "/home/u"));
        assertTrue(HubCache.isRepoId("stabilityai/stable-diffusion-2-1"));
        assertTrue(HubCache.isRepoId("runwayml/stable-diffusion-v1-5@fp16"));
        assertTrue(!HubCache.isRepoId("model.safetensors") && !HubCache.isRepoId("/abs/path")
                && !HubCache.isRepoId("a/b/c") && !HubCache.isRepoId("../x"));
    }

    @Test
    void missingThingsAreNamedWithWhatWasExpected() throws IOException {
        IOException e = assertThrows(IOException.class, () -> ModelLocator.open(tmp.resolve("nothing").toString()));
        assertContains(e, tmp.resolve("nothing").toString(), "diffusers folder", ".safetensors");

        Path noUnet = tmp.resolve("no-unet");
        TestFiles.linkAll(tiny("sd1"), noUnet);
        Files.delete(noUnet.resolve("unet"));
        e = assertThrows(IOException.class, () -> ModelLocator.open(noUnet.toString()));
        assertContains(e, noUnet.toString(), "unet/");

        Path noWeights = tmp.resolve("no-weights");
        TestFiles.linkAll(tiny("sd1"), noWeights);
        Files.delete(noWeights.resolve("vae"));
        Files.createDirectories(noWeights.resolve("vae"));
        Files.copy(tiny("sd1/vae/config.json"), noWeights.resolve("vae/config.json"));
        e = assertThrows(IOException.class, () -> ModelLocator.open(noWeights.toString()));
        assertContains(e, noWeights.resolve("vae").toString(), "diffusion_pytorch_model.safetensors");

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        e = assertThrows(IOException.class, () -> ModelLocator.open(empty.toString()));
        assertContains(e, empty.toString(), "model_index.json", "unet/");

        Path text = Files.writeString(tmp.resolve("prompt.txt"), "a cat");
        e = assertThrows(IOException.class, () -> ModelLocator.open(text.toString()));
        assertContains(e, text.toString(), "not a model file", ".safetensors or .ckpt");
    }

    @Test
    void sdxlLikeFoldersAreRefused() throws IOException {
        Path xl = tmp.resolve("xl");
        TestFiles.linkAll(tiny("sd1"), xl);
        for (String sub : List.of("unet", "model_index.json")) Files.delete(xl.resolve(sub));
        TestFiles.linkAll(tiny("sd1/unet"), xl.resolve("unet"));
        Files.delete(xl.resolve("unet/config.json"));
        var unet = TensorAsserts.readJson(tiny("sd1/unet/config.json"));
        unet.addProperty("cross_attention_dim", 16);
        Files.writeString(xl.resolve("unet/config.json"), unet.toString());
        var index = TensorAsserts.readJson(tiny("sd1/model_index.json"));
        index.add("text_encoder_2", index.get("text_encoder"));
        Files.writeString(xl.resolve("model_index.json"), index.toString());
        IOException e = assertThrows(WeightFormatException.class, () -> ModelLocator.open(xl.toString()));
        assertContains(e, xl.toString(), "16-wide", "gives 8", "SDXL");
    }

    @Test
    void incompleteSingleFilesSayWhatTheyLack() throws IOException {
        Path vaeOnly = tmp.resolve("vae.safetensors");
        try (SafeTensorsFile sd1 = SafeTensorsFile.open(tiny("sd1.safetensors"))) {
            TestFiles.rewrite(sd1, vaeOnly, n -> n.startsWith("first_stage_model.") ? n.substring(18) : null, Map.of());
        }
        IOException e = assertThrows(WeightFormatException.class, () -> ModelLocator.open(vaeOnly.toString()));
        assertContains(e, vaeOnly.toString(), "model.diffusion_model.input_blocks.0.0.weight", "encoder (",
                "VAE on its own");
    }

    @Test
    void singleFilesMissingATensorFailEarly() throws IOException {
        Path missing = tmp.resolve("missing.safetensors");
        try (SafeTensorsFile sd1 = SafeTensorsFile.open(tiny("sd1.safetensors"))) {
            TestFiles.rewrite(sd1, missing, n -> n.equals("model.diffusion_model.out.0.bias") ? null : n, Map.of());
        }
        IOException e = assertThrows(WeightFormatException.class,
                () -> ModelLocator.open(missing, ModelOptions.DEFAULT.withConfigFolder(tiny("sd1"))));
        assertContains(e, missing.toString(), "1 model.diffusion_model.* tensors missing",
                "model.diffusion_model.out.0.bias", tiny("sd1").toString());
    }

    /** Unknown tensors under a component's prefix reach the strict loader, which lists them as unexpected. */
    @Test
    void unknownSingleFileTensorsAreReportedByTheStrictLoader() throws IOException {
        Path extra = tmp.resolve("extra.safetensors");
        try (SafeTensorsFile sd2 = SafeTensorsFile.open(tiny("sd2-v.safetensors"))) {
            TestFiles.rewrite(sd2, extra, n -> n, Map.of("model.diffusion_model.out.9.weight",
                    "model.diffusion_model.out.0.weight", "model_ema.decay", "model.diffusion_model.out.0.bias"));
        }
        try (ModelFiles model = ModelLocator.open(extra, ModelOptions.DEFAULT.withConfigFolder(tiny("sd2-v")));
             SafeTensorsFile folder = SafeTensorsFile.open(tiny("sd2-v/unet/diffusion_pytorch_model.safetensors"));
             NDManager manager = NDManager.newBaseManager()) {
            assertTrue(model.notes().stream().anyMatch(n -> n.contains("Not used: model_ema (1)")), model.notes().toString());
            Weights weights = Weights.of(model.weights(Component.UNET), manager);
            for (String name : folder.names()) weights.get(name, folder.info(name).shape());
            WeightFormatException e = assertThrows(WeightFormatException.class, weights::finish);
            assertContains(e, "1 unexpected", "model.diffusion_model.out.9.weight");
            assertTrue(!e.getMessage().contains("missing") && !e.getMessage().contains("wrong shape"), e.getMessage());
        }
    }

    @Test
    void variantsShardsAndLegacyVaeNames() throws IOException {
        Path dir = tmp.resolve("variants");
        TestFiles.linkAll(tiny("sd1"), dir);
        // unet: the plain file and an fp16 variant (same bytes: only the choice matters here)
        Files.delete(dir.resolve("unet"));
        Files.createDirectories(dir.resolve("unet"));
        Files.copy(tiny("sd1/unet/config.json"), dir.resolve("unet/config.json"));
        Path unetFile = tiny("sd1/unet/diffusion_pytorch_model.safetensors");
        Files.createSymbolicLink(dir.resolve("unet/diffusion_pytorch_model.safetensors"), unetFile);
        Files.createSymbolicLink(dir.resolve("unet/diffusion_pytorch_model.fp16.safetensors"), unetFile);
        // text encoder: two shards and their index
        Files.delete(dir.resolve("text_encoder"));
        Files.createDirectories(dir.resolve("text_encoder"));
        Files.copy(tiny("sd1/text_encoder/config.json"), dir.resolve("text_encoder/config.json"));
        Map<String, String> weightMap = new java.util.TreeMap<>();
        try (SafeTensorsFile text = SafeTensorsFile.open(tiny("sd1/text_encoder/model.safetensors"))) {
            String[] shards = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
            for (int i = 0; i < 2; i++) {
                int part = i;
                TestFiles.rewrite(text, dir.resolve("text_encoder").resolve(shards[i]),
                        n -> (n.contains("layers.") == (part == 0)) ? n : null, Map.of());
            }
            text.names().forEach(n -> weightMap.put(n, shards[n.contains("layers.") ? 0 : 1]));
        }
        TestFiles.writeJson(dir.resolve("text_encoder/model.safetensors.index.json"), Map.of("weight_map", weightMap));
        // vae: attention saved under the pre-0.14 names
        Files.delete(dir.resolve("vae"));
        Files.createDirectories(dir.resolve("vae"));
        Files.copy(tiny("sd1/vae/config.json"), dir.resolve("vae/config.json"));
        try (SafeTensorsFile vae = SafeTensorsFile.open(tiny("sd1/vae/diffusion_pytorch_model.safetensors"))) {
            TestFiles.rewrite(vae, dir.resolve("vae/diffusion_pytorch_model.safetensors"), n -> n
                    .replace(".to_q.", ".query.").replace(".to_k.", ".key.").replace(".to_v.", ".value.")
                    .replace(".to_out.0.", ".proj_attn."), Map.of());
        }

        try (ModelFiles plain = ModelLocator.open(dir.toString());
             ModelFiles fp16 = ModelLocator.open(dir, ModelOptions.DEFAULT.withVariant("fp16"));
             ModelFiles reference = ModelLocator.open(tiny("sd1").toString())) {
            assertTrue(plain.weights(Component.UNET).origin().endsWith("diffusion_pytorch_model.safetensors"));
            assertTrue(fp16.weights(Component.UNET).origin().endsWith("diffusion_pytorch_model.fp16.safetensors"));
            assertTrue(fp16.notes().stream().anyMatch(n -> n.contains("no fp16 variant")), fp16.notes().toString());
            for (Component c : List.of(Component.VAE, Component.TEXT_ENCODER)) {
                TensorAsserts.assertSameTensors(reference.weights(c), plain.weights(c), c.toString());
            }
        }
        Files.delete(dir.resolve("unet/diffusion_pytorch_model.safetensors"));
        try (ModelFiles onlyFp16 = ModelLocator.open(dir.toString())) {
            assertTrue(onlyFp16.notes().stream().anyMatch(n -> n.contains("only the fp16 variant")));
        }
    }

    @Test
    void wrongPredictionNameIsRejected() {
        assertEquals(ModelKind.Prediction.V_PREDICTION, ModelKind.Prediction.parse("v"));
        assertThrows(IllegalArgumentException.class, () -> ModelKind.Prediction.parse("sample"));
    }

    private static void assertContains(Exception e, String... parts) {
        for (String part : parts) assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
    }
}
