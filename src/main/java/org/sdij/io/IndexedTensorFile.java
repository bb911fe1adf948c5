package org.sdij.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;

/**
 * What the weight file readers share: one read-only channel, open until the file is closed, and the index built
 * when opening it, from tensor name (in file order) to the reader's own entry, with the file's text metadata.
 */
abstract class IndexedTensorFile<E extends IndexedTensorFile.Indexed> implements TensorFile {

    /** A reader's index entry: the tensor's dtype and shape, beside wherever the reader finds its bytes. */
    interface Indexed {
        TensorInfo info();
    }

    /** Reads the index of a freshly opened file. */
    @FunctionalInterface
    interface Indexer<F> {
        F index(Path path, FileChannel channel) throws IOException;
    }

    final Path path;
    final FileChannel channel;
    private final Map<String, E> entries;
    private final Map<String, String> metadata;
    private ByteBuffer readBuffer;

    IndexedTensorFile(Path path, FileChannel channel, Map<String, E> entries, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens {@code path} read-only and indexes it, closing the channel again when indexing fails. */
    static <F> F open(Path path, Indexer<F> indexer) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return indexer.index(path, channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /**
     * The file's text metadata: a safetensors header's {@code __metadata__} strings, or a checkpoint's plain
     * top-level values such as {@code global_step} and {@code epoch} (empty when there are none).
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public String origin() {
        return path.toString();
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        E e = entries.get(name);
        return e == null ? null : e.info();
    }

    /** The index entry of {@code name}, or null when the file has no such tensor. */
    E entry(String name) {
        return entries.get(name);
    }

    /**
     * A tensor converted between F32 and F16 whose bytes lie contiguous in the file is read a piece at a time
     * ({@link TensorBytes#readConverted}), not mapped, so that no file pages stay mapped (and counted in resident
     * memory) after the conversion; other tensors are converted after {@link #load(String, NDManager)}.
     */
    @Override
    public synchronized NDArray load(String name, NDManager manager, DataType dtype) throws IOException {
        E e = entries.get(name);
        long start = e != null && TensorBytes.convertsBetweenHalfAndSingle(e.info().dtype(), dtype)
                ? contiguousStart(e) : -1;
        if (start < 0) return TensorFile.super.load(name, manager, dtype);
        if (readBuffer == null) readBuffer = ByteBuffer.allocateDirect(TensorBytes.READ_PIECE_BYTES);
        return TensorBytes.readConverted(channel, start, e.info(), dtype, manager, readBuffer);
    }

    /** Where the tensor's elements start in the file as contiguous little-endian bytes, or -1 where they do not. */
    abstract long contiguousStart(E entry);

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
