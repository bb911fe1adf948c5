package org.sdij.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.sdij.io.TensorInfo;
import org.sdij.io.TensorSource;
import org.sdij.io.WeightFormatException;

/**
 * A prefix view over a tensor source, as networks see their weights: a block asks for
 * {@code "norm1.weight"} under its own prefix, so the path the code builds is the diffusers key.
 * Every request is recorded; missing and mis-shaped tensors do not stop construction but are
 * reported together, with the unused ones, by {@link #finish}.
 */
public final class Weights {

    private static final class Store {
        final TensorSource source;
        final NDManager manager;
        final DataType dtype;
        final DataType storage;
        final Device device;
        final Set<String> used = new LinkedHashSet<>();
        final java.util.Map<String, long[]> requested = new java.util.LinkedHashMap<>();
        final List<String> missing = new ArrayList<>();
        final List<String> misshaped = new ArrayList<>();

        Store(TensorSource source, NDManager manager, DataType dtype, DataType storage, Device device) {
            this.source = source;
            this.manager = manager;
            this.dtype = dtype;
            this.storage = storage;
            this.device = device;
        }
    }

    private final Store store;
    private final String prefix;

    private Weights(Store store, String prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    /** Floating weights become {@code dtype} on {@code manager}'s device; arrays belong to {@code manager}. */
    public static Weights of(TensorSource source, NDManager manager, DataType dtype) {
        return of(source, manager, dtype, dtype);
    }

    /**
     * Weights kept in memory in another type than the networks compute in: floating tensors of two or more
     * dimensions (matrices, convolution kernels, embedding tables: nearly all the bytes) become
     * {@code storage}, the others (biases, norm scales, under 1% of the bytes) {@code compute}. The ops
     * convert a stored weight to the activations' type for each use ({@link Ops}). With float16 storage a
     * float16 file stays memory-mapped as it is and a float32 file is rounded once, at load: half the memory.
     */
    public static Weights of(TensorSource source, NDManager manager, DataType compute, DataType storage) {
        return new Weights(new Store(source, manager, compute, storage, manager.getDevice()), "");
    }

    /** float32 on the manager's device. */
    public static Weights of(TensorSource source, NDManager manager) {
        return of(source, manager, DataType.FLOAT32);
    }

    /**
     * Random weights of whatever shape the network asks for, for timing the real architectures
     * without their files: matrices ~ N(0, 0.02), vectors ~ N(1, 0.02) so norms keep activations
     * of order one (near-zero activations would run into slow denormal arithmetic).
     */
    public static Weights random(NDManager manager, DataType dtype) {
        return random(manager, dtype, dtype);
    }

    /** Random weights stored as {@link #of(TensorSource, NDManager, DataType, DataType)} stores them. */
    public static Weights random(NDManager manager, DataType compute, DataType storage) {
        return new Weights(new Store(null, manager, compute, storage, manager.getDevice()), "");
    }

    /** Every tensor the network asked for, with the shape it asked for, in order. */
    public java.util.Map<String, long[]> requested() {
        return java.util.Collections.unmodifiableMap(store.requested);
    }

    public Weights sub(String name) {
        return new Weights(store, prefix + name + ".");
    }

    public Weights sub(int index) {
        return sub(Integer.toString(index));
    }

    public String prefix() {
        return prefix;
    }

    public NDManager manager() {
        return store.manager;
    }

    /** The type the networks compute in. */
    public DataType dtype() {
        return store.dtype;
    }

    /**
     * Whether the weights are kept narrower than the compute type (low-memory mode): layers built from them
     * then also work on large activations in pieces, trading a little speed for memory.
     */
    public boolean lowMemory() {
        return store.storage != store.dtype;
    }

    /** The type matrices, kernels and tables are kept in (the compute type unless asked otherwise). */
    public DataType storageDtype() {
        return store.storage;
    }

    public boolean has(String name) {
        return store.source == null || store.source.contains(prefix + name);
    }

    /**
     * The tensor {@code prefix + name}, which must have {@code shape}. A missing or mis-shaped tensor is
     * recorded and replaced by zeros of the expected shape, so all problems can be reported at once.
     */
    public NDArray get(String name, long... shape) {
        String key = prefix + name;
        store.used.add(key);
        store.requested.put(key, shape.clone());
        DataType type = shape.length >= 2 ? store.storage : store.dtype;
        if (store.source == null) {
            float mean = shape.length == 1 ? 1f : 0f;
            return store.manager.randomNormal(mean, 0.02f, new Shape(shape), type);
        }
        TensorInfo info = store.source.info(key);
        if (info == null) {
            store.missing.add(key + " " + Arrays.toString(shape));
            return store.manager.zeros(new Shape(shape), type);
        }
        if (!Arrays.equals(info.shape(), shape)) {
            store.misshaped.add(key + ": file has " + info.shapeString() + ", the network needs " + Arrays.toString(shape));
            return store.manager.zeros(new Shape(shape), type);
        }
        try {
            return toDevice(store.source.load(key, store.manager, type));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Like {@link #get} but for an optional tensor: null when the file does not hold it. */
    public NDArray optional(String name, long... shape) {
        return has(name) ? get(name, shape) : null;
    }

    /** Sources load onto the CPU (already in the wanted type). */
    private NDArray toDevice(NDArray loaded) {
        if (loaded.getDevice().equals(store.device)) return loaded;
        NDArray moved = loaded.toDevice(store.device, false);
        loaded.close();
        return moved;
    }

    /**
     * Throws one exception listing every missing and mis-shaped tensor and every tensor of the
     * source that the network never asked for (other than those {@code ignored} accepts).
     */
    public void finish(Predicate<String> ignored) throws WeightFormatException {
        if (store.source == null) return;
        Set<String> unexpected = new TreeSet<>();
        for (String name : store.source.names()) {
            if (!store.used.contains(name) && !ignored.test(name)) unexpected.add(name);
        }
        if (store.missing.isEmpty() && store.misshaped.isEmpty() && unexpected.isEmpty()) return;
        StringBuilder message = new StringBuilder("The weights in " + store.source.origin()
                + " do not fit the network:");
        section(message, "missing", store.missing);
        section(message, "wrong shape", store.misshaped);
        section(message, "unexpected", new ArrayList<>(unexpected));
        message.append("\nIs this the right model file for this model kind?");
        throw new WeightFormatException(message.toString());
    }

    public void finish() throws WeightFormatException {
        finish(name -> false);
    }

    private static void section(StringBuilder message, String title, List<String> keys) {
        if (keys.isEmpty()) return;
        message.append("\n  ").append(keys.size()).append(' ').append(title).append(':');
        int shown = 0;
        for (String key : keys) {
            if (shown++ == 20) {
                message.append("\n    ... and ").append(keys.size() - 20).append(" more");
                break;
            }
            message.append("\n    ").append(key);
        }
    }
}
