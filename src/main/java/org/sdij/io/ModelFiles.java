package org.sdij.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One resolved model, whatever its form: per component, the weights under diffusers names and the
 * diffusers config. Owns the open weight files; the component sources it hands out are views that
 * closing does not close (close this instead).
 */
public final class ModelFiles implements AutoCloseable {

    public enum Component {
        UNET, VAE, TEXT_ENCODER, TOKENIZER, SCHEDULER, LOW_RES_SCHEDULER;

        /** The component's folder in a diffusers model. */
        public String folder() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean hasWeights() {
            return this == UNET || this == VAE || this == TEXT_ENCODER;
        }
    }

    public enum Format { DIFFUSERS_FOLDER, SINGLE_FILE }

    private final String name;
    private final Path origin;
    private final Format format;
    private final ModelKind kind;
    private final Map<Component, TensorSource> weights;
    private final Map<Component, JsonObject> configs;
    private final Path tokenizerDir;
    private final JsonObject pipelineConfig;
    private final List<String> notes;
    private final List<Path> weightFiles;
    private final List<TensorSource> owned;

    private ModelFiles(Builder b) {
        this.name = b.name;
        this.origin = b.origin;
        this.format = b.format;
        this.kind = b.kind;
        this.weights = Collections.unmodifiableMap(new EnumMap<>(b.weights));
        this.configs = Collections.unmodifiableMap(new EnumMap<>(b.configs));
        this.tokenizerDir = b.tokenizerDir;
        this.pipelineConfig = b.pipelineConfig;
        this.notes = List.copyOf(b.notes);
        this.weightFiles = List.copyOf(b.weightFiles);
        this.owned = List.copyOf(b.owned);
    }

    /** Folder or file name, or the Hub repo id. */
    public String name() {
        return name;
    }

    /** The folder or file the weights come from (for a Hub id: its snapshot folder). */
    public Path origin() {
        return origin;
    }

    public Format format() {
        return format;
    }

    public ModelKind kind() {
        return kind;
    }

    /** UNet, VAE or text-encoder weights under diffusers names (names no table maps show up as unexpected). */
    public TensorSource weights(Component component) {
        if (!component.hasWeights()) throw new IllegalArgumentException(component + " has no weights");
        return weights.get(component);
    }

    /**
     * The diffusers config of a component (a copy, free to change): {@code config.json} of unet, vae and
     * text_encoder, {@code scheduler_config.json} of the schedulers, {@code tokenizer_config.json} of the
     * tokenizer. Null where the model has none (low_res_scheduler outside the upscaler, a single file's tokenizer).
     */
    public JsonObject config(Component component) {
        JsonObject config = configs.get(component);
        return config == null ? null : config.deepCopy();
    }

    /** The folder with vocab.json and merges.txt, or null: then the CLIP vocabulary shipped with sd-ij applies. */
    public Path tokenizerDir() {
        return tokenizerDir;
    }

    /** {@code model_index.json} of a folder; for single files the preset's pipeline values (x4: max_noise_level). */
    public JsonObject pipelineConfig() {
        return pipelineConfig.deepCopy();
    }

    /**
     * The files the UNet, VAE and text-encoder weights are read from: the single file, or a folder's
     * chosen file per component (the variant taken, every shard of a sharded one). {@link ModelHash} hashes these.
     */
    public List<Path> weightFiles() {
        return weightFiles;
    }

    /** What was assumed or substituted while resolving (for logs and metadata). */
    public List<String> notes() {
        return notes;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (TensorSource source : owned) {
            try {
                source.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return name + " (" + format + ", " + kind + ")";
    }

    static final class Builder {
        String name;
        Path origin;
        Format format;
        ModelKind kind;
        final Map<Component, TensorSource> weights = new EnumMap<>(Component.class);
        final Map<Component, JsonObject> configs = new EnumMap<>(Component.class);
        Path tokenizerDir;
        JsonObject pipelineConfig = new JsonObject();
        final List<String> notes = new ArrayList<>();
        final List<Path> weightFiles = new ArrayList<>();
        final List<TensorSource> owned = new ArrayList<>();

        /** Registers a file this model owns and returns it. */
        <T extends TensorSource> T own(T source) {
            owned.add(source);
            return source;
        }

        void weights(Component component, TensorSource source) {
            weights.put(component, new Borrowed(source));
        }

        /** On failure: closes what was opened so far. */
        void abandon(Throwable cause) {
            for (TensorSource source : owned) {
                try {
                    source.close();
                } catch (IOException e) {
                    cause.addSuppressed(e);
                }
            }
        }

        ModelFiles build() {
            return new ModelFiles(this);
        }
    }

    /** A component's view: closing it leaves the shared file open. */
    private record Borrowed(TensorSource source) implements TensorSource {
        public String origin() {
            return source.origin();
        }

        public Set<String> names() {
            return source.names();
        }

        public TensorInfo info(String name) {
            return source.info(name);
        }

        public NDArray load(String name, NDManager manager) throws IOException {
            return source.load(name, manager);
        }

        public NDArray load(String name, NDManager manager, DataType dtype) throws IOException {
            return source.load(name, manager, dtype);
        }

        @Override
        public void close() {}
    }
}
