package org.sdij.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;

/**
 * Resolves a {@code --model} argument: a diffusers folder, an original single file (.safetensors or .ckpt),
 * or a Hugging Face repo id ("org/name", "org/name@revision") already in the local Hub cache.
 */
public final class ModelLocator {
    private ModelLocator() {}

    public static ModelFiles open(String model) throws IOException {
        return open(model, ModelOptions.DEFAULT);
    }

    public static ModelFiles open(String model, ModelOptions options) throws IOException {
        Path path = null;
        try {
            path = Paths.get(model);
        } catch (InvalidPathException e) {
            // not a path; maybe a repo id
        }
        if (path != null && Files.exists(path)) return open(path, options);
        if (HubCache.isRepoId(model)) {
            Path root = options.hubCache() != null ? options.hubCache() : HubCache.defaultRoot();
            String repo = model.contains("@") ? model.substring(0, model.indexOf('@')) : model;
            // a known model is found under any of its names (repos removed from the Hub live on in caches)
            String cachedAs = org.sdij.hub.KnownModels.cachedName(root, repo).orElse(repo);
            Path snapshot = HubCache.snapshot(root, cachedAs + model.substring(repo.length()));
            return open(snapshot, repo, options);
        }
        throw new NoSuchFileException(path == null ? model : path.toAbsolutePath().toString(), null,
                "no model here: expected a diffusers folder, a .safetensors or .ckpt file, or a Hugging Face repo id "
                        + "(org/name) in the local cache");
    }

    public static ModelFiles open(Path path, ModelOptions options) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        return open(p, p.getFileName() == null ? p.toString() : p.getFileName().toString(), options);
    }

    private static ModelFiles open(Path path, String name, ModelOptions options) throws IOException {
        if (Files.isRegularFile(path)) {
            return SingleFileModel.open(path, stripExtension(name), options);
        }
        if (!Files.isDirectory(path)) throw new NoSuchFileException(path.toString(), null, "not a file or folder");
        if (DiffusersFolder.looksLikeOne(path)) {
            if (options.configFolder() != null) {
                throw new IllegalArgumentException("A config folder applies to single files only; " + path
                        + " is a diffusers folder with its own configs.");
            }
            return DiffusersFolder.open(path, name, options);
        }
        if (HubCache.isRepoFolder(path)) {
            String repo = HubCache.repoOf(path);
            return open(HubCache.snapshotIn(path, "main", repo), repo, options);
        }
        List<Path> files = weightFiles(path);
        if (files.size() == 1) return SingleFileModel.open(files.get(0), stripExtension(files.get(0).getFileName().toString()), options);
        throw new NoSuchFileException(path.toString(), null, "not a diffusers model folder (no model_index.json "
                + "and no unet/config.json)" + (files.isEmpty() ? "" : " and it holds several checkpoints " + names(files)
                + ": give one of them") + ". Expected a folder with unet/, vae/, text_encoder/, tokenizer/ and "
                + "scheduler/ (each with its config), or a single .safetensors/.ckpt file");
    }

    private static List<Path> weightFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(TensorFiles::isWeightFileName).sorted().toList();
        }
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(f -> f.getFileName().toString()).toList();
    }

    private static String stripExtension(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && !name.contains("/") ? name.substring(0, dot) : name;
    }
}
