package org.sdij.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.util.Set;

/**
 * A named set of tensors: one weight file, or a renamed view over one.
 * Indexing is cheap and validates the file; data is read only by {@link #load}.
 */
public interface TensorSource extends AutoCloseable {

    /** Where the tensors come from (a file path), for error messages. */
    String origin();

    Set<String> names();

    /** The tensor's dtype and shape, or null when absent. */
    TensorInfo info(String name);

    /**
     * The tensor as an NDArray owned by {@code manager}, on the CPU. F32 and F16 keep their type (and may
     * share memory with a read-only file mapping: never modify them in place); BF16 and F64 come widened
     * or narrowed to float32, since DJL cannot hold bfloat16; integer tensors keep their type.
     */
    NDArray load(String name, NDManager manager) throws IOException;

    /**
     * The tensor with a floating type converted to {@code dtype} (other types as {@link #load(String, NDManager)}
     * gives them). A tensor already of that type comes as {@code load} gives it, mapped; one that must be
     * converted is best read a piece at a time rather than mapped, so that no file pages stay mapped (and
     * counted in resident memory) after the conversion: sources that can do so override this.
     */
    default NDArray load(String name, NDManager manager, DataType dtype) throws IOException {
        NDArray loaded = load(name, manager);
        if (!loaded.getDataType().isFloating() || loaded.getDataType() == dtype) return loaded;
        try (loaded) {
            return loaded.toType(dtype, false);
        }
    }

    default boolean contains(String name) {
        return info(name) != null;
    }

    @Override
    default void close() throws IOException {}
}
