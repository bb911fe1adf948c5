package org.sdij.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one array that float16 weights are widened into for use (low-memory mode), grown to the largest weight
 * and reused: a fresh copy per use would cost an allocation, and for the UNet's largest kernels (up to 118 MB
 * in float32) a fresh zero-filled mapping, at every step. One weight is widened at a time: {@link #widen}
 * holds a lock that {@link #done} releases, so another thread's widening waits until the op has used it.
 */
final class WideningBuffer {
    private WideningBuffer() {}

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static NDManager manager;
    private static NDArray buffer;

    /** {@code weight} converted to {@code type}, in the buffer; call {@link #done} once the op has used it. */
    static NDArray widen(NDArray weight, DataType type) {
        LOCK.lock();
        try {
            NDArray whole = buffer(weight.size(), type, weight.getDevice());
            NDArray view;
            try (NDArray front = whole.get(new NDIndex("0:" + weight.size()))) {
                view = front.reshape(weight.getShape());
            }
            view.set(new NDIndex("..."), weight); // libtorch's copy, converting as it goes
            return view;
        } catch (RuntimeException | Error e) {
            LOCK.unlock();
            throw e;
        }
    }

    /** Ends the use of a view {@link #widen} gave. */
    static void done(NDArray view) {
        try {
            view.close();
        } finally {
            LOCK.unlock();
        }
    }

    /** The buffer's size in bytes, 0 when there is none. */
    static long bytes() {
        LOCK.lock();
        try {
            return buffer == null ? 0 : buffer.size() * buffer.getDataType().getNumOfBytes();
        } finally {
            LOCK.unlock();
        }
    }

    /** Frees the buffer (it is made again when next needed). */
    static void free() {
        LOCK.lock();
        try {
            if (manager != null) manager.close();
            manager = null;
            buffer = null;
        } finally {
            LOCK.unlock();
        }
    }

    private static NDArray buffer(long size, DataType type, Device device) {
        boolean fits = buffer != null && buffer.size() >= size && buffer.getDataType() == type
                && buffer.getDevice().equals(device);
        if (fits) return buffer;
        if (manager != null) manager.close();
        manager = NDManager.newBaseManager(device);
        buffer = manager.create(new Shape(size), type);
        NDScope.unregister(buffer); // it outlives the forward pass that happens to create it
        return buffer;
    }
}
