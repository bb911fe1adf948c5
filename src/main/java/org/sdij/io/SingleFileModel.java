package org.sdij.io;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import org.sdij.io.ModelFiles.Component;
import org.sdij.io.names.NameMap;
import org.sdij.io.names.NameTables;

/**
 * An original Stable Diffusion checkpoint in one file (LDM names: {@code model.diffusion_model.*},
 * {@code first_stage_model.*}, {@code cond_stage_model.*}). The kind comes from tensor shapes; the configs
 * from the kind's preset (or a given diffusers folder); the name tables turn each part into diffusers names.
 */
final class SingleFileModel {
    private SingleFileModel() {}

    private static final String UNET_CONV_IN = NameTables.UNET_PREFIX + "input_blocks.0.0.weight";
    private static final String UNET_PROJ_IN = NameTables.UNET_PREFIX + "middle_block.1.proj_in.weight";
    private static final String OPENCLIP = NameTables.TEXT_PREFIX + NameTables.OPENCLIP_TEXT_MARK;
    private static final String CLIP = NameTables.TEXT_PREFIX + NameTables.CLIP_TEXT_MARK;
    /** The training step the released SD 2 base (512, epsilon) checkpoint was saved at. */
    private static final long SD2_BASE_GLOBAL_STEP = 875000;

    static ModelFiles open(Path file, String name, ModelOptions options) throws IOException {
        return open(TensorFiles.open(file), file, name, options);
    }

    /** Takes ownership of {@code source}, the tensors of {@code file}. */
    static ModelFiles open(TensorSource source, Path file, String name, ModelOptions options) throws IOException {
        ModelFiles.Builder model = new ModelFiles.Builder();
        model.own(source);
        try {
            return read(source, file, name, options, model);
        } catch (IOException | RuntimeException e) {
            model.abandon(e);
            throw e;
        }
    }

    private static ModelFiles read(TensorSource source, Path file, String name, ModelOptions options,
                                   ModelFiles.Builder model) throws IOException {
        model.name = name;
        model.origin = file;
        model.weightFiles.add(file);
        model.format = ModelFiles.Format.SINGLE_FILE;
        checkIsStableDiffusion(source);
        boolean openClip = hasPrefix(source, OPENCLIP);
        ModelKind.Evidence evidence = evidence(source, openClip);

        Path configFolder = options.configFolder();
        ModelKind.Prediction prediction = options.prediction();
        JsonObject folderScheduler = null;
        if (configFolder != null) {
            Path schedulerFile = configFolder.resolve("scheduler/scheduler_config.json");
            if (Files.isRegularFile(schedulerFile)) folderScheduler = JsonFiles.read(schedulerFile);
            if (prediction == null && folderScheduler != null && folderScheduler.has("prediction_type")) {
                prediction = ModelKind.Prediction.parse(folderScheduler.get("prediction_type").getAsString());
            }
        }
        if (prediction == null) prediction = guessPrediction(source, evidence, model.notes);
        model.kind = ModelKind.of(evidence, prediction);

        if (configFolder != null) useFolderConfigs(model, configFolder, folderScheduler);
        else usePreset(model, evidence);
        setPrediction(model.configs.get(Component.SCHEDULER), prediction, model.notes);

        NameMap unet = NameTables.unet(model.configs.get(Component.UNET));
        NameMap vae = NameTables.vae(model.configs.get(Component.VAE));
        JsonObject textConfig = model.configs.get(Component.TEXT_ENCODER);
        NameMap text = openClip ? NameTables.openClipText(textConfig) : NameTables.clipText(textConfig);
        Map<String, NameMap> maps = new LinkedHashMap<>();
        maps.put(NameTables.UNET_PREFIX, unet);
        maps.put(NameTables.VAE_PREFIX, vae);
        maps.put(NameTables.TEXT_PREFIX, text);
        checkFits(source, model, configFolder, maps);
        model.weights(Component.UNET, unet.view(source, NameTables.UNET_PREFIX));
        model.weights(Component.VAE, vae.view(source, NameTables.VAE_PREFIX));
        model.weights(Component.TEXT_ENCODER, text.view(source, NameTables.TEXT_PREFIX));
        noteOtherTensors(source, model.notes);
        return model.build();
    }

    /**
     * Single files do not record the prediction type. SD 2 text-to-image is either 2.x 768-v (v) or 2 base
     * (epsilon); like diffusers, take a training checkpoint's global_step 875000 as SD 2 base, else 768-v.
     */
    private static ModelKind.Prediction guessPrediction(TensorSource source, ModelKind.Evidence evidence,
                                                        List<String> notes) throws WeightFormatException {
        ModelKind probe = ModelKind.of(evidence, ModelKind.Prediction.EPSILON);
        ModelKind.Prediction prediction = ModelKind.defaultPrediction(probe.family(), probe.task());
        if (probe.family() != ModelKind.Family.SD2 || probe.task() != ModelKind.Task.TEXT_TO_IMAGE) return prediction;
        OptionalLong step = source instanceof CkptFile ckpt ? ckpt.globalStep() : OptionalLong.empty();
        if (step.isPresent()) {
            prediction = step.getAsLong() == SD2_BASE_GLOBAL_STEP ? ModelKind.Prediction.EPSILON
                    : ModelKind.Prediction.V_PREDICTION;
            notes.add("Took " + prediction.configName + " from the checkpoint's global_step " + step.getAsLong()
                    + " (" + SD2_BASE_GLOBAL_STEP + " is SD 2 base); set the prediction type if that is wrong.");
        } else {
            notes.add("Assumed " + prediction.configName + " (SD 2.x 768-v): single files do not record the "
                    + "prediction type; choose epsilon for SD 2 base (512) models.");
        }
        return prediction;
    }

    private static void checkIsStableDiffusion(TensorSource source) throws WeightFormatException {
        if (source.contains(UNET_CONV_IN) && hasPrefix(source, NameTables.VAE_PREFIX)
                && (hasPrefix(source, OPENCLIP) || hasPrefix(source, CLIP))) {
            if (hasPrefix(source, OPENCLIP) && hasPrefix(source, CLIP)) {
                throw new WeightFormatException(source.origin() + " holds two text encoders (" + CLIP + "* and "
                        + OPENCLIP + "*): not a Stable Diffusion 1/2 checkpoint.");
            }
            return;
        }
        String what = hasPrefix(source, "conditioner.") ? " It looks like an SDXL checkpoint, which sd-ij does not run."
                : hasPrefix(source, "encoder.") || hasPrefix(source, "decoder.") ? " It looks like a VAE on its own."
                : "";
        throw new WeightFormatException(source.origin() + " is not a complete Stable Diffusion 1/2 checkpoint: it "
                + "needs a UNet (" + UNET_CONV_IN + "), a VAE (" + NameTables.VAE_PREFIX + "*) and a text encoder ("
                + CLIP + "* or " + OPENCLIP + "*); it holds " + groups(source.names()) + "." + what);
    }

    private static ModelKind.Evidence evidence(TensorSource source, boolean openClip) throws WeightFormatException {
        long[] convIn = DiffusersFolder.shape(source, UNET_CONV_IN, 4);
        long[] tokenShape = DiffusersFolder.shape(source, tokenEmbedding(source, openClip), 2);
        TensorInfo projIn = source.info(UNET_PROJ_IN);
        return new ModelKind.Evidence((int) convIn[1], (int) tokenShape[1], projIn != null && projIn.shape().length == 2);
    }

    private static String tokenEmbedding(TensorSource source, boolean openClip) {
        if (openClip) return OPENCLIP + "token_embedding.weight";
        String legacy = CLIP + "embeddings.token_embedding.weight"; // saved by older transformers
        return source.contains(legacy) ? legacy : CLIP + "text_model.embeddings.token_embedding.weight";
    }

    private static void useFolderConfigs(ModelFiles.Builder model, Path folder, JsonObject scheduler) throws IOException {
        for (Component c : List.of(Component.UNET, Component.VAE, Component.TEXT_ENCODER)) {
            model.configs.put(c, JsonFiles.read(folder.resolve(c.folder()).resolve("config.json")));
        }
        if (scheduler == null) {
            throw new IOException(folder + " has no scheduler/scheduler_config.json: give a complete diffusers folder "
                    + "as the config folder of a single file.");
        }
        model.configs.put(Component.SCHEDULER, scheduler);
        Path lowRes = folder.resolve("low_res_scheduler/scheduler_config.json");
        if (Files.isRegularFile(lowRes)) model.configs.put(Component.LOW_RES_SCHEDULER, JsonFiles.read(lowRes));
        Path tokenizer = folder.resolve("tokenizer");
        if (Files.isRegularFile(tokenizer.resolve("vocab.json"))) {
            model.tokenizerDir = tokenizer;
            Path config = tokenizer.resolve("tokenizer_config.json");
            if (Files.isRegularFile(config)) model.configs.put(Component.TOKENIZER, JsonFiles.read(config));
        }
        Path index = folder.resolve("model_index.json");
        if (Files.isRegularFile(index)) model.pipelineConfig = JsonFiles.read(index);
        model.notes.add("Configs from " + folder + ".");
    }

    private static void usePreset(ModelFiles.Builder model, ModelKind.Evidence evidence) throws IOException {
        String preset = model.kind.preset();
        model.configs.put(Component.UNET, Presets.config(preset, "unet"));
        model.configs.put(Component.VAE, Presets.config(preset, "vae"));
        model.configs.put(Component.TEXT_ENCODER, Presets.config(preset, "text_encoder"));
        model.configs.put(Component.SCHEDULER, Presets.config(preset, "scheduler"));
        JsonObject lowRes = Presets.config(preset, "low_res_scheduler");
        if (lowRes != null) model.configs.put(Component.LOW_RES_SCHEDULER, lowRes);
        JsonObject pipeline = Presets.config(preset, "pipeline");
        model.pipelineConfig = pipeline != null ? pipeline : new JsonObject();
        if (pipeline == null) model.pipelineConfig.addProperty("_class_name", model.kind.task().pipelineClass);
        // e.g. SD 1 inpainting: the SD 1.5 architecture with 9 input channels
        model.configs.get(Component.UNET).addProperty("in_channels", evidence.unetInChannels());
        model.notes.add("Configs from the " + preset + " preset.");
    }

    /** Sets the scheduler's prediction type, noting when that overrides what the config said. */
    static void setPrediction(JsonObject scheduler, ModelKind.Prediction prediction, List<String> notes) {
        String before = scheduler.has("prediction_type") ? scheduler.get("prediction_type").getAsString() : null;
        if (before != null && !before.equals(prediction.configName)) {
            notes.add("Prediction type " + prediction.configName + " replaces the scheduler config's " + before + ".");
        }
        scheduler.addProperty("prediction_type", prediction.configName);
    }

    /** The configs must describe these weights: every tensor their tables expect, and the main widths. */
    private static void checkFits(TensorSource source, ModelFiles.Builder model, Path configFolder,
                                  Map<String, NameMap> maps) throws WeightFormatException {
        List<String> problems = new ArrayList<>();
        for (var e : maps.entrySet()) {
            Set<String> missing = e.getValue().missingIn(source, e.getKey());
            if (!missing.isEmpty()) {
                problems.add(missing.size() + " " + e.getKey() + "* tensors missing, e.g. " + e.getKey()
                        + missing.iterator().next());
            }
        }
        width(problems, source, UNET_CONV_IN, 0, model.configs.get(Component.UNET), "block_out_channels");
        width(problems, source, NameTables.VAE_PREFIX + "encoder.conv_in.weight", 0,
                model.configs.get(Component.VAE), "block_out_channels");
        width(problems, source, tokenEmbedding(source, hasPrefix(source, OPENCLIP)), 1,
                model.configs.get(Component.TEXT_ENCODER), "hidden_size");
        width(problems, source, NameTables.UNET_PREFIX + "middle_block.1.transformer_blocks.0.attn2.to_k.weight", 1,
                model.configs.get(Component.UNET), "cross_attention_dim");
        if (problems.isEmpty()) return;
        String configs = configFolder != null ? "the configs in " + configFolder : "the " + model.kind.preset() + " preset";
        throw new WeightFormatException(source.origin() + " (" + model.kind + ") does not fit " + configs + ":\n  "
                + String.join("\n  ", problems) + "\nFor a model with a non-standard architecture, give the diffusers "
                + "folder whose configs it was made with as the config folder.");
    }

    private static void width(List<String> problems, TensorSource source, String tensor, int dim, JsonObject config,
                              String key) {
        TensorInfo info = source.info(tensor);
        if (info == null || !config.has(key) || info.shape().length <= dim) return;
        var value = config.get(key);
        int expected = value.isJsonArray() ? value.getAsJsonArray().get(0).getAsInt() : value.getAsInt();
        if (info.shape()[dim] != expected) {
            problems.add(tensor + " " + info.shapeString() + " has width " + info.shape()[dim] + ", the config's "
                    + key + " is " + value);
        }
    }

    private static void noteOtherTensors(TensorSource source, List<String> notes) {
        List<String> others = source.names().stream().filter(n -> !n.startsWith(NameTables.UNET_PREFIX)
                && !n.startsWith(NameTables.VAE_PREFIX) && !n.startsWith(NameTables.TEXT_PREFIX)).toList();
        if (!others.isEmpty()) notes.add("Not used: " + groups(others) + " (training state, EMA copies, ...).");
    }

    private static boolean hasPrefix(TensorSource source, String prefix) {
        for (String name : source.names()) if (name.startsWith(prefix)) return true;
        return false;
    }

    /** "model_ema (686), betas (1), ..." */
    private static String groups(Iterable<String> names) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String name : names) {
            int dot = name.indexOf('.');
            counts.merge(dot < 0 ? name : name.substring(0, dot), 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((group, n) -> parts.add(group + " (" + n + ")"));
        return parts.isEmpty() ? "no tensors" : String.join(", ", parts);
    }
}
