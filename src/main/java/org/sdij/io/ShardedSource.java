package org.sdij.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Weights split over several files, as listed by a {@code *.safetensors.index.json} ("weight_map": name to file). */
public final class ShardedSource implements TensorSource {
    private final Path index;
    private final Map<String, TensorSource> byName;
    private final List<TensorSource> shards;
    private final List<Path> files;

    private ShardedSource(Path index, Map<String, TensorSource> byName, List<TensorSource> shards, List<Path> files) {
        this.index = index;
        this.byName = byName;
        this.shards = shards;
        this.files = files;
    }

    public static ShardedSource open(Path index) throws IOException {
        JsonObject json = JsonFiles.read(index);
        JsonElement map = json.get("weight_map");
        if (map == null || !map.isJsonObject()) {
            throw new WeightFormatException(index + " has no \"weight_map\" object: not a sharded weights index.");
        }
        Map<String, TensorSource> files = new LinkedHashMap<>();
        List<Path> paths = new ArrayList<>();
        Map<String, TensorSource> byName = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonElement> e : map.getAsJsonObject().entrySet()) {
                String file = e.getValue().getAsString();
                Path shardPath = index.resolveSibling(file).normalize();
                if (!shardPath.getParent().equals(index.getParent().normalize())) {
                    throw new WeightFormatException(index + " points outside its folder: " + file);
                }
                TensorSource shard = files.get(file);
                if (shard == null) {
                    shard = TensorFiles.open(shardPath);
                    files.put(file, shard);
                    paths.add(shardPath);
                }
                if (!shard.contains(e.getKey())) {
                    throw new WeightFormatException(index + " says '" + e.getKey() + "' is in " + file + ", which lacks it.");
                }
                byName.put(e.getKey(), shard);
            }
        } catch (IOException | RuntimeException e) {
            for (TensorSource shard : files.values()) shard.close();
            throw e;
        }
        return new ShardedSource(index, Collections.unmodifiableMap(byName), new ArrayList<>(files.values()),
                List.copyOf(paths));
    }

    /** The shard files, in the order the index first names them. */
    public List<Path> files() {
        return files;
    }

    @Override
    public String origin() {
        return index.toString();
    }

    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        TensorSource shard = byName.get(name);
        return shard == null ? null : shard.info(name);
    }

    @Override
    public NDArray load(String name, NDManager manager) throws IOException {
        TensorSource shard = byName.get(name);
        if (shard == null) throw new WeightFormatException(index + " lists no tensor '" + name + "'.");
        return shard.load(name, manager);
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType dtype) throws IOException {
        TensorSource shard = byName.get(name);
        if (shard == null) throw new WeightFormatException(index + " lists no tensor '" + name + "'.");
        return shard.load(name, manager, dtype);
    }

    @Override
    public void close() throws IOException {
        for (TensorSource shard : shards) shard.close();
    }
}
