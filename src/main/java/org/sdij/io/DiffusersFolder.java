package org.sdij.io;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sdij.io.ModelFiles.Component;
import org.sdij.io.names.NameTables;

/** A diffusers model folder: model_index.json and one subfolder per component, each with its config and weights. */
final class DiffusersFolder {
    private DiffusersFolder() {}

    /** Weight file stems: diffusers models, then transformers models (the text encoder). */
    private static final List<String> STEMS = List.of("diffusion_pytorch_model", "model");
    private static final String FALLBACK_VARIANT = "fp16";

    static boolean looksLikeOne(Path dir) {
        return Files.isRegularFile(dir.resolve("model_index.json")) || Files.isRegularFile(dir.resolve("unet/config.json"));
    }

    static ModelFiles open(Path dir, String name, ModelOptions options) throws IOException {
        ModelFiles.Builder model = new ModelFiles.Builder();
        try {
            return read(dir, name, options, model);
        } catch (IOException | RuntimeException e) {
            model.abandon(e);
            throw e;
        }
    }

    private static ModelFiles read(Path dir, String name, ModelOptions options, ModelFiles.Builder model)
            throws IOException {
        model.name = name;
        model.origin = dir;
        model.format = ModelFiles.Format.DIFFUSERS_FOLDER;
        Path index = dir.resolve("model_index.json");
        if (Files.isRegularFile(index)) model.pipelineConfig = JsonFiles.read(index);
        else model.notes.add(dir + " has no model_index.json; reading its component folders directly.");

        for (Component c : List.of(Component.UNET, Component.VAE, Component.TEXT_ENCODER)) {
            Path sub = dir.resolve(c.folder());
            model.configs.put(c, componentConfig(dir, sub, "config.json", c));
            TensorSource file = model.own(openWeights(sub, options.variant(), model.notes));
            model.weightFiles.addAll(file instanceof ShardedSource sharded ? sharded.files()
                    : List.of(Path.of(file.origin())));
            // most published SD VAEs still use the pre-0.14 attention names
            model.weights(c, c == Component.VAE ? NameTables.vaeDiffusersLegacy().view(file, "") : file);
        }
        Path lowRes = dir.resolve("low_res_scheduler/scheduler_config.json");
        if (Files.isRegularFile(lowRes)) model.configs.put(Component.LOW_RES_SCHEDULER, JsonFiles.read(lowRes));
        Path tokenizer = dir.resolve("tokenizer");
        if (Files.isRegularFile(tokenizer.resolve("vocab.json")) && Files.isRegularFile(tokenizer.resolve("merges.txt"))) {
            model.tokenizerDir = tokenizer;
            Path tokenizerConfig = tokenizer.resolve("tokenizer_config.json");
            if (Files.isRegularFile(tokenizerConfig)) model.configs.put(Component.TOKENIZER, JsonFiles.read(tokenizerConfig));
        } else {
            model.notes.add(dir + " has no tokenizer/vocab.json and merges.txt; the CLIP vocabulary shipped with sd-ij is used.");
        }

        ModelKind.Evidence evidence = evidence(model);
        checkInChannels(model, evidence, dir);
        checkTextWidth(model, evidence, dir);
        Path schedulerFile = dir.resolve("scheduler/scheduler_config.json");
        JsonObject scheduler = Files.isRegularFile(schedulerFile) ? JsonFiles.read(schedulerFile) : null;
        ModelKind.Prediction prediction = options.prediction();
        if (prediction == null && scheduler != null && scheduler.has("prediction_type")) {
            prediction = ModelKind.Prediction.parse(scheduler.get("prediction_type").getAsString());
        }
        if (prediction == null) prediction = ModelKind.Prediction.EPSILON; // diffusers' default
        model.kind = ModelKind.of(evidence, prediction);
        if (scheduler == null) {
            scheduler = Presets.config(model.kind.preset(), "scheduler");
            model.notes.add(dir + " has no scheduler/scheduler_config.json; using the " + model.kind.preset() + " preset's.");
        }
        SingleFileModel.setPrediction(scheduler, prediction, model.notes);
        model.configs.put(Component.SCHEDULER, scheduler);
        return model.build();
    }

    private static JsonObject componentConfig(Path dir, Path sub, String file, Component c) throws IOException {
        if (!Files.isDirectory(sub)) {
            throw new NoSuchFileException(sub.toString(), null, "the diffusers model folder " + dir + " has no "
                    + c.folder() + "/ subfolder; a Stable Diffusion folder needs unet/, vae/, text_encoder/, "
                    + "tokenizer/ and scheduler/, each with its config");
        }
        return JsonFiles.read(sub.resolve(file));
    }

    /**
     * The component's weights: the asked variant if present, else the plain file; sharded indexes and
     * PyTorch .bin files when there is no single .safetensors.
     */
    static TensorSource openWeights(Path sub, String variant, List<String> notes) throws IOException {
        List<String> wanted = new ArrayList<>();
        if (variant != null) wanted.addAll(candidates(variant));
        wanted.addAll(candidates(null));
        if (variant == null) wanted.addAll(candidates(FALLBACK_VARIANT));
        for (String file : wanted) {
            Path path = sub.resolve(file);
            if (!Files.isRegularFile(path)) continue;
            if (variant != null && !file.contains("." + variant + ".")) {
                notes.add(sub + " has no " + variant + " variant; using " + file + ".");
            } else if (variant == null && file.contains("." + FALLBACK_VARIANT + ".")) {
                notes.add(sub + " holds only the " + FALLBACK_VARIANT + " variant; using " + file + ".");
            }
            return file.contains(".safetensors.index") ? ShardedSource.open(path) : TensorFiles.open(path);
        }
        throw new NoSuchFileException(sub.toString(), null, "no weights found: expected "
                + "diffusion_pytorch_model.safetensors or model.safetensors (or a ." + FALLBACK_VARIANT
                + ".safetensors variant, a sharded .safetensors.index.json, or a PyTorch .bin)");
    }

    /** File names as diffusers and transformers write them: the variant goes before the last extension. */
    private static List<String> candidates(String variant) {
        String v = variant == null ? "" : "." + variant;
        List<String> out = new ArrayList<>();
        for (String stem : STEMS) {
            out.add(stem + v + ".safetensors");
            out.add(stem + ".safetensors.index" + v + ".json");
            out.add(stem + v + ".bin");
        }
        return out;
    }

    private static ModelKind.Evidence evidence(ModelFiles.Builder model) throws IOException {
        long[] convIn = shape(model.weights.get(Component.UNET), "conv_in.weight", 4);
        long[] tokens = shape(model.weights.get(Component.TEXT_ENCODER), "text_model.embeddings.token_embedding.weight", 2);
        TensorInfo projIn = model.weights.get(Component.UNET).info("mid_block.attentions.0.proj_in.weight");
        return new ModelKind.Evidence((int) convIn[1], (int) tokens[1], projIn != null && projIn.shape().length == 2);
    }

    static long[] shape(TensorSource source, String name, int rank) throws WeightFormatException {
        TensorInfo info = source.info(name);
        if (info == null) {
            throw new WeightFormatException(source.origin() + " has no tensor '" + name + "': not a Stable Diffusion "
                    + "component, or a damaged file.");
        }
        if (info.shape().length != rank) {
            throw new WeightFormatException(source.origin() + ": '" + name + "' has shape " + info.shapeString()
                    + ", expected " + rank + " dimensions.");
        }
        return info.shape();
    }

    /** SDXL folders also have a 768-wide first text encoder; their UNet attends to 2048-wide features. */
    private static void checkTextWidth(ModelFiles.Builder model, ModelKind.Evidence evidence, Path dir)
            throws WeightFormatException {
        JsonObject unet = model.configs.get(Component.UNET);
        if (!unet.has("cross_attention_dim") || !unet.get("cross_attention_dim").isJsonPrimitive()) return;
        int cross = unet.get("cross_attention_dim").getAsInt();
        if (cross == evidence.textWidth()) return;
        boolean twoEncoders = model.pipelineConfig.has("text_encoder_2");
        throw new WeightFormatException(dir + ": the UNet attends to " + cross + "-wide text features but the text "
                + "encoder gives " + evidence.textWidth() + (twoEncoders ? "; with its second text encoder this looks "
                + "like SDXL, which sd-ij does not run (Stable Diffusion 1.x and 2.x only)" : "") + ".");
    }

    private static void checkInChannels(ModelFiles.Builder model, ModelKind.Evidence evidence, Path dir)
            throws WeightFormatException {
        JsonObject unet = model.configs.get(Component.UNET);
        int configured = unet.has("in_channels") ? unet.get("in_channels").getAsInt() : 4;
        if (configured != evidence.unetInChannels()) {
            throw new WeightFormatException(dir.resolve("unet/config.json") + " says in_channels " + configured
                    + " but the UNet weights take " + evidence.unetInChannels() + " channels.");
        }
    }
}
