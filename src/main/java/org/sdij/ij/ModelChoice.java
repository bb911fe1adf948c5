package org.sdij.ij;

import org.sdij.io.HubCache;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;
import org.sdij.io.TensorFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The model a command runs: a name from the models folder (Models and Settings...), or a path to a
 * diffusers folder or a single .safetensors/.ckpt file, or a Hugging Face repo id in the local cache.
 */
final class ModelChoice {

    private ModelChoice() {
    }

    /** The models in the folder, by name (folders first as listed, sorted): what the dialog offers. */
    static List<String> known(String folder) {
        if (folder == null || folder.isBlank()) return List.of();
        Path dir = Path.of(folder);
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(ModelChoice::isModel).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The models in the folder that {@code check} accepts, by name: a command's list shows only the models it
     * can run. The kind is told from each model's files (configs and weight headers, nothing loaded); a model
     * whose kind cannot be told is listed, so that choosing it gives its message.
     */
    static List<String> known(String folder, ModelCache.KindCheck check) {
        List<String> names = known(folder);
        if (check == null || names.isEmpty()) return names;
        try {
            // opening a model may touch DJL's classes: the engine must be found through the plug-in's loader
            return EngineLookup.withPluginLoader(() -> names.stream()
                    .filter(name -> fits(Path.of(folder).resolve(name), name, check)).toList());
        } catch (IOException | RuntimeException e) {
            return names;
        }
    }

    private static boolean fits(Path model, String name, ModelCache.KindCheck check) {
        try (ModelFiles files = ModelLocator.open(model, ModelOptions.DEFAULT)) {
            return check.problem(name, files.kind()) == null;
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** A diffusers folder, a Hub cache folder or a weight file (what ModelLocator opens). */
    static boolean isModel(Path p) {
        if (Files.isRegularFile(p)) return TensorFiles.isWeightFileName(p);
        return Files.isRegularFile(p.resolve("model_index.json")) || Files.isRegularFile(p.resolve("unet/config.json"))
                || p.getFileName().toString().startsWith("models--") && Files.isDirectory(p.resolve("snapshots"));
    }

    /**
     * What the core opens for the command's model value: the folder's entry of that name, else the value
     * as a path (a diffusers folder's model_index.json stands for its folder), else a Hub repo id.
     *
     * @throws IllegalArgumentException naming the models folder and what it holds when nothing matches
     */
    static String resolve(String model, String folder) {
        String name = model == null ? "" : model.trim();
        if (name.isEmpty()) throw new IllegalArgumentException("No model chosen. " + where(folder));
        Path path = pathOf(name);
        if (folder != null && !folder.isBlank() && path != null && !path.isAbsolute()) {
            Path inFolder = Path.of(folder).resolve(path);
            if (Files.exists(inFolder)) return location(inFolder);
        }
        if (path != null && Files.exists(path)) return location(path);
        if (HubCache.isRepoId(name)) return name;
        throw new IllegalArgumentException("No model '" + name + "' found. " + where(folder));
    }

    private static Path pathOf(String name) {
        try {
            return Path.of(name);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static String location(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (Files.isRegularFile(abs) && abs.getFileName().toString().equals("model_index.json")) abs = abs.getParent();
        return abs.toString();
    }

    /** Where models are looked for and what is there: the message for a missing model. */
    static String where(String folder) {
        String put = "a diffusers folder (with model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/) "
                + "or a single .safetensors/.ckpt file";
        if (folder == null || folder.isBlank()) {
            return "No models folder is set: put " + put + " into a folder and choose that folder in "
                    + "Plugins > Stable Diffusion > Models and Settings..., or give the model's full path.";
        }
        if (!Files.isDirectory(Path.of(folder))) {
            return "The models folder " + folder + " does not exist: create it and put " + put + " there, or choose "
                    + "another folder in Plugins > Stable Diffusion > Models and Settings....";
        }
        List<String> names = known(folder);
        String holds = names.isEmpty() ? "holds no models yet" : "holds " + String.join(", ", names);
        return "The models folder " + folder + " " + holds + ". Put " + put + " there, or give the model's full path.";
    }
}
