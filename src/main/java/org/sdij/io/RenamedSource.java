package org.sdij.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A view of a tensor source under other names: each target name reads one source tensor through
 * a small, listed transform (take one of n equal row blocks, as when OpenCLIP's packed in_proj is
 * split into q/k/v; drop trailing 1x1 dims, as for the VAE's conv-shaped attention weights).
 * The tables that build these views are data in {@code io.names}.
 */
public final class RenamedSource implements TensorSource {

    /** How a target tensor is made from its source tensor. */
    public sealed interface Transform {
        long[] shape(long[] source);

        NDArray apply(NDArray source);
    }

    public record Identity() implements Transform {
        public long[] shape(long[] source) {
            return source;
        }

        public NDArray apply(NDArray source) {
            return source;
        }
    }

    /** Row block {@code index} of {@code count} equal blocks along dimension 0. */
    public record RowBlock(int index, int count) implements Transform {
        public long[] shape(long[] source) {
            long[] s = source.clone();
            s[0] = source[0] / count;
            return s;
        }

        public NDArray apply(NDArray source) {
            long rows = source.getShape().get(0) / count;
            // a copy, not a view: a view would outlive the mapped array it points into
            return source.get(index * rows + ":" + (index + 1) * rows).duplicate();
        }
    }

    /** Drops trailing dimensions of size 1 down to {@code rank} dimensions ([C, C, 1, 1] to [C, C]). */
    public record Squeeze(int rank) implements Transform {
        public long[] shape(long[] source) {
            return source.length <= rank ? source : Arrays.copyOf(source, rank);
        }

        public NDArray apply(NDArray source) {
            return source.reshape(shape(source.getShape().getShape())).duplicate();
        }
    }

    public record Mapping(String source, Transform transform) {}

    private final TensorSource source;
    private final Map<String, Mapping> mappings;
    private final Map<String, TensorInfo> infos = new LinkedHashMap<>();

    /** Only target names whose source tensor exists are visible. */
    public RenamedSource(TensorSource source, Map<String, Mapping> mappings) {
        this.source = source;
        this.mappings = mappings;
        for (var e : mappings.entrySet()) {
            TensorInfo from = source.info(e.getValue().source());
            if (from == null) continue;
            infos.put(e.getKey(), new TensorInfo(e.getKey(), from.dtype(), e.getValue().transform().shape(from.shape())));
        }
    }

    @Override
    public String origin() {
        return source.origin();
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(infos.keySet());
    }

    @Override
    public TensorInfo info(String name) {
        return infos.get(name);
    }

    @Override
    public NDArray load(String name, NDManager manager) throws IOException {
        Mapping m = mapping(name);
        return transformed(m, source.load(m.source(), manager));
    }

    /** Converted first, so that the transform's copy is made at the target width. */
    @Override
    public NDArray load(String name, NDManager manager, DataType dtype) throws IOException {
        Mapping m = mapping(name);
        return transformed(m, source.load(m.source(), manager, dtype));
    }

    private Mapping mapping(String name) throws WeightFormatException {
        Mapping m = mappings.get(name);
        if (m == null || !infos.containsKey(name)) {
            throw new WeightFormatException(source.origin() + " has no tensor for '" + name + "'.");
        }
        return m;
    }

    private static NDArray transformed(Mapping m, NDArray raw) {
        NDArray out = m.transform().apply(raw);
        if (out != raw) raw.close();
        return out;
    }

    /** Source tensors no target name reads (to report as unexpected). */
    public Set<String> unmappedSourceNames() {
        Set<String> used = new java.util.HashSet<>();
        mappings.values().forEach(m -> used.add(m.source()));
        Set<String> rest = new java.util.TreeSet<>(source.names());
        rest.removeAll(used);
        return rest;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
