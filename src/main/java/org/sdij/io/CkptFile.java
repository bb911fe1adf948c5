package org.sdij.io;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.sdij.io.TorchPickle.StorageRef;
import org.sdij.io.TorchPickle.TensorRef;

/**
 * A PyTorch checkpoint ({@code .ckpt}, {@code .pt}, {@code .bin}) as torch.save writes it since torch 1.6:
 * a zip holding {@code <top>/data.pkl}, the pickled object, and {@code <top>/data/<key>}, one raw storage
 * per key. The pickle is read by {@link Pickle} under {@link TorchPickle}'s allow-list, so no code in the
 * file can run. Opening checks every tensor's extent against its storage and every storage against the
 * file; {@link #load} maps stored entries where they lie (copying only views that are not contiguous).
 *
 * <p>Lightning checkpoints wrap the weights as {@code {"state_dict": {...}, "global_step": N, ...}};
 * the tensors of the (innermost) {@code state_dict} are the ones exposed, or, when there is none, every
 * tensor of the top-level dict, nested dicts' keys joined with dots.
 */
public final class CkptFile extends IndexedTensorFile<CkptFile.Entry> {

    /** The pickle of a full SD checkpoint is well under 10 MB. */
    static final long MAX_PICKLE_BYTES = 512L << 20;
    private static final int MAX_NESTING = 16;

    record Entry(TensorInfo info, TensorRef tensor, ZipIndex.Entry storage) implements Indexed {}

    private final ZipIndex zip;
    private final boolean bigEndian;

    private CkptFile(Path path, FileChannel channel, ZipIndex zip, boolean bigEndian, Map<String, Entry> entries,
                     Map<String, String> metadata) {
        super(path, channel, entries, metadata);
        this.zip = zip;
        this.bigEndian = bigEndian;
    }

    public static CkptFile open(Path path) throws IOException {
        return open(path, CkptFile::index);
    }

    private static CkptFile index(Path path, FileChannel channel) throws IOException {
        ByteBuffer magic = ByteBuffer.allocate(2);
        channel.read(magic, 0);
        if (magic.get(0) == (byte) 0x80 && magic.get(1) == 2) {
            throw bad(path, "is in torch's legacy (pre-1.6) format, which sd-ij does not read; re-save it with a "
                    + "newer torch or convert it to .safetensors");
        }
        ZipIndex zip = ZipIndex.read(path, channel);
        String top = topDirectory(path, zip);
        boolean bigEndian = isBigEndian(path, zip, top);

        ByteBuffer pickle = zip.contents(zip.entry(top + "data.pkl"), MAX_PICKLE_BYTES, false);
        Object root = Pickle.load(pickle, new TorchPickle(path.toString()), "checkpoint " + path);
        if (!(root instanceof Map<?, ?> rootDict)) {
            throw bad(path, "holds " + Pickle.describe(root) + ", not a dict of tensors");
        }
        Map<?, ?> weights = rootDict;
        for (int depth = 0; weights.get("state_dict") instanceof Map<?, ?> inner; depth++) {
            if (depth > MAX_NESTING) throw bad(path, "nests 'state_dict' more than " + MAX_NESTING + " deep");
            weights = inner;
        }
        Map<String, TensorRef> tensors = new LinkedHashMap<>();
        collectTensors(weights, "", 0, tensors, Collections.newSetFromMap(new IdentityHashMap<>()));

        Map<String, Entry> entries = new LinkedHashMap<>();
        for (var t : tensors.entrySet()) entries.put(t.getKey(), validate(path, zip, top, t.getKey(), t.getValue()));
        return new CkptFile(path, channel, zip, bigEndian, Collections.unmodifiableMap(entries), scalars(rootDict));
    }

    /** torch names the top directory after the file it first saved to, so it is found, not assumed. */
    private static String topDirectory(Path path, ZipIndex zip) throws WeightFormatException {
        String found = null;
        for (String name : zip.entries().keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                if (found != null) throw bad(path, "holds more than one data.pkl ('" + found + "data.pkl', '" + name + "')");
                found = name.substring(0, slash + 1);
            }
        }
        if (found == null) throw bad(path, "is a zip file without a <top>/data.pkl: not a torch checkpoint");
        return found;
    }

    /** torch 2.1+ records the byte order; older files have no entry and were written little-endian. */
    private static boolean isBigEndian(Path path, ZipIndex zip, String top) throws IOException {
        ZipIndex.Entry entry = zip.entry(top + "byteorder");
        if (entry == null) return false;
        ByteBuffer bytes = zip.contents(entry, 16, false);
        byte[] text = new byte[bytes.remaining()];
        bytes.get(text);
        String order = new String(text, StandardCharsets.US_ASCII).trim();
        if (order.equals("little")) return false;
        if (order.equals("big")) return true;
        throw bad(path, "declares an unknown byte order '" + order + "'");
    }

    private static void collectTensors(Map<?, ?> dict, String prefix, int depth, Map<String, TensorRef> out,
                                       Set<Object> seen) {
        if (depth > MAX_NESTING || !seen.add(dict)) return;
        for (var e : dict.entrySet()) {
            if (!(e.getKey() instanceof String key)) continue;
            if (e.getValue() instanceof TensorRef tensor) out.put(prefix + key, tensor);
            else if (e.getValue() instanceof Map<?, ?> inner) collectTensors(inner, prefix + key + ".", depth + 1, out, seen);
        }
    }

    /** Plain top-level values (global_step, epoch, version strings) as text. */
    private static Map<String, String> scalars(Map<?, ?> root) {
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : root.entrySet()) {
            Object v = e.getValue();
            if (e.getKey() instanceof String key && (v instanceof String || v instanceof Long || v instanceof Double
                    || v instanceof Boolean || v instanceof BigInteger)) {
                out.put(key, v.toString());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry validate(Path path, ZipIndex zip, String top, String name, TensorRef tensor)
            throws WeightFormatException {
        StorageRef storage = tensor.storage();
        ZipIndex.Entry entry = zip.entry(top + "data/" + storage.key());
        if (entry == null) {
            throw bad(path, "has tensor '" + name + "' in storage '" + storage.key() + "', which the zip does not hold");
        }
        TensorInfo info = new TensorInfo(name, storage.dtype(), tensor.size());
        long extent;
        long storageBytes;
        try {
            info.byteSize();
            extent = tensor.extent();
            storageBytes = Math.multiplyExact(storage.numel(), (long) storage.dtype().bytes);
            Math.addExact(tensor.offset(), extent);
        } catch (ArithmeticException e) {
            throw bad(path, "has tensor '" + name + "' with a size, stride or offset too large to exist: "
                    + info.shapeString());
        }
        if (extent > 0 && tensor.offset() + extent > storage.numel()) {
            throw bad(path, "has tensor '" + name + "' " + info.shapeString() + " reading storage elements up to "
                    + (tensor.offset() + extent) + ", but storage '" + storage.key() + "' holds only " + storage.numel());
        }
        if (storageBytes > entry.size()) {
            throw bad(path, "declares storage '" + storage.key() + "' (for tensor '" + name + "') as " + storage.numel()
                    + " " + storage.dtype() + " elements = " + storageBytes + " bytes, but its zip entry holds only "
                    + entry.size() + " bytes");
        }
        return new Entry(info, tensor, entry);
    }

    /** The training step a Lightning checkpoint records, if any. */
    public OptionalLong globalStep() {
        try {
            String step = metadata().get("global_step");
            return step == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(step));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * One tensor's elements as contiguous little-endian bytes: a read-only mapping of the file when the
     * tensor is a contiguous run of a stored entry, otherwise a fresh direct buffer.
     */
    @Override
    public ByteBuffer bytes(String name) throws IOException {
        Entry e = entry(name);
        if (e == null) throw bad(path, "has no tensor '" + name + "'");
        TensorRef tensor = e.tensor();
        long elementBytes = e.info().dtype().bytes;
        long byteCount = e.info().byteSize();
        if (byteCount > Integer.MAX_VALUE - 8) {
            throw bad(path, "has tensor '" + name + "' of " + byteCount + " bytes, over the 2 GB limit of one buffer");
        }
        if (byteCount == 0) return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
        long start = tensor.offset() * elementBytes;
        long span = tensor.extent() * elementBytes;
        ByteBuffer source = e.storage().method() == ZipIndex.STORED
                ? zip.map(e.storage(), start, span)
                : zip.contents(e.storage(), Integer.MAX_VALUE - 8, true).slice((int) start, (int) span);
        if (tensor.isContiguous() && !bigEndian) return source.order(ByteOrder.LITTLE_ENDIAN);
        return StridedCopy.gather(source, tensor.size(), tensor.stride(), (int) elementBytes, bigEndian);
    }

    /** Stored, contiguous and little-endian: the tensor can be read straight from the file. */
    @Override
    long contiguousStart(Entry e) {
        if (e.storage().method() != ZipIndex.STORED || !e.tensor().isContiguous() || bigEndian) return -1;
        return e.storage().dataStart() + e.tensor().offset() * e.info().dtype().bytes;
    }

    private static WeightFormatException bad(Path path, String what) {
        return new WeightFormatException("Checkpoint " + path + " " + what + ".");
    }
}
