package org.sdij.io;

import java.io.IOException;
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

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
