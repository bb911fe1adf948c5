package org.sdij.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One weight file whose tensors can be read as contiguous little-endian bytes. Loading is the same for every
 * such format: the bytes, shaped and typed by {@link TensorBytes}.
 */
public interface TensorFile extends TensorSource {

    /** One tensor's elements as contiguous little-endian bytes; fails naming the file when it has no such tensor. */
    ByteBuffer bytes(String name) throws IOException;

    @Override
    default NDArray load(String name, NDManager manager) throws IOException {
        ByteBuffer bytes = bytes(name);
        return TensorBytes.toNDArray(bytes, info(name), manager);
    }
}
