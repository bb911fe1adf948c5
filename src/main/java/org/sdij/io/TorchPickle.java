package org.sdij.io;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the pickle of a torch.save state dict may ask for, and nothing more: ordered dicts, tensors rebuilt
 * from (storage, offset, size, stride), parameters wrapping them, the typed storage classes, sets and
 * torch.Size. Every other global is refused when it is named, before any REDUCE could call it.
 * A few globals that hold data in PyTorch Lightning checkpoints (the ModelCheckpoint class used as a dict
 * key, numpy scalars in its state) are accepted as inert placeholders: "calling" them makes an
 * {@link Opaque} and runs nothing, so they cannot reach the tensors either.
 */
final class TorchPickle implements Pickle.Policy {

    /** One storage, as the persistent id names it: the zip entry {@code data/<key>} holding numel elements. */
    record StorageRef(String key, DType dtype, long numel) {}

    /** A tensor: a strided view of a storage. Sizes and strides are validated non-negative. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
        long elementCount() {
            long n = 1;
            for (long d : size) n = Math.multiplyExact(n, d);
            return n;
        }

        /** How many storage elements from {@code offset} the view touches (0 when it is empty). */
        long extent() {
            long last = 0;
            for (int i = 0; i < size.length; i++) {
                if (size[i] == 0) return 0;
                last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
            }
            return Math.addExact(last, 1);
        }

        /** Row-major contiguous (dimensions of size 1 may have any stride, as torch allows). */
        boolean isContiguous() {
            long expected = 1;
            for (int i = size.length - 1; i >= 0; i--) {
                if (size[i] != 1 && stride[i] != expected) return false;
                expected *= size[i];
            }
            return true;
        }
    }

    /** A data-only global (see the class comment). */
    record Inert(String qualifiedName) {}

    /** What calling an {@link Inert} global gives: nothing but its name. Identity equality on purpose. */
    static final class Opaque {
        final String qualifiedName;

        Opaque(String qualifiedName) {
            this.qualifiedName = qualifiedName;
        }
    }

    private enum Builtin { ORDERED_DICT, REBUILD_TENSOR, REBUILD_TENSOR_V2, REBUILD_PARAMETER, SET, SIZE }

    private record StorageType(DType dtype) {}

    private static final int MAX_RANK = 32;

    private static final Map<String, Object> ALLOWED = new LinkedHashMap<>();

    static {
        ALLOWED.put("collections.OrderedDict", Builtin.ORDERED_DICT);
        ALLOWED.put("torch._utils._rebuild_tensor", Builtin.REBUILD_TENSOR);
        ALLOWED.put("torch._utils._rebuild_tensor_v2", Builtin.REBUILD_TENSOR_V2);
        ALLOWED.put("torch._utils._rebuild_parameter", Builtin.REBUILD_PARAMETER);
        ALLOWED.put("torch._utils._rebuild_parameter_with_state", Builtin.REBUILD_PARAMETER);
        ALLOWED.put("builtins.set", Builtin.SET);
        ALLOWED.put("__builtin__.set", Builtin.SET);
        ALLOWED.put("torch.Size", Builtin.SIZE);
        ALLOWED.put("torch.FloatStorage", new StorageType(DType.F32));
        ALLOWED.put("torch.HalfStorage", new StorageType(DType.F16));
        ALLOWED.put("torch.BFloat16Storage", new StorageType(DType.BF16));
        ALLOWED.put("torch.DoubleStorage", new StorageType(DType.F64));
        ALLOWED.put("torch.LongStorage", new StorageType(DType.I64));
        ALLOWED.put("torch.IntStorage", new StorageType(DType.I32));
        ALLOWED.put("torch.ShortStorage", new StorageType(DType.I16));
        ALLOWED.put("torch.CharStorage", new StorageType(DType.I8));
        ALLOWED.put("torch.ByteStorage", new StorageType(DType.U8));
        ALLOWED.put("torch.BoolStorage", new StorageType(DType.BOOL));
        for (String name : List.of("pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
                "numpy.core.multiarray.scalar", "numpy.core.multiarray._reconstruct", "numpy.dtype", "numpy.ndarray",
                "_codecs.encode")) {
            ALLOWED.put(name, new Inert(name));
        }
    }

    private final String origin;

    TorchPickle(String origin) {
        this.origin = origin;
    }

    @Override
    public Object global(String module, String name, long at) throws WeightFormatException {
        String qualified = module + "." + name;
        Object value = ALLOWED.get(qualified);
        if (value == null) {
            throw new WeightFormatException("sd-ij refuses to run code: checkpoint " + origin + " asks for "
                    + printable(qualified) + " (pickle byte " + at + "), which is not one of the tensor-rebuilding "
                    + "functions a state dict needs. Nothing was executed. Only load checkpoints you trust, or use "
                    + "a .safetensors file.");
        }
        return value;
    }

    @Override
    public Object call(Object callable, List<Object> args, long at) throws WeightFormatException {
        if (callable instanceof Inert inert) return new Opaque(inert.qualifiedName());
        if (!(callable instanceof Builtin builtin)) {
            throw bad("calls " + Pickle.describe(callable) + ", which is not a function this reader allows", at);
        }
        return switch (builtin) {
            case ORDERED_DICT -> {
                if (!args.isEmpty()) throw bad("builds an OrderedDict from arguments", at);
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR, REBUILD_TENSOR_V2 -> rebuildTensor(args, at);
            case REBUILD_PARAMETER -> {
                if (args.isEmpty() || !(args.get(0) instanceof TensorRef tensor)) {
                    throw bad("rebuilds a parameter from something that is not a tensor", at);
                }
                yield tensor;
            }
            case SET -> set(args, at);
            case SIZE -> {
                if (args.size() != 1 || !(args.get(0) instanceof Pickle.Tuple dims)) throw bad("builds a bad torch.Size", at);
                yield dims;
            }
        };
    }

    /** ('storage', storage class, key, location, element count), as torch.save writes each storage. */
    @Override
    public Object persistentLoad(Object pid, long at) throws WeightFormatException {
        if (!(pid instanceof Pickle.Tuple t) || t.items().size() != 5 || !"storage".equals(t.items().get(0))
                || !(t.items().get(1) instanceof StorageType type) || !(t.items().get(2) instanceof String key)
                || !(t.items().get(4) instanceof Long numel) || numel < 0) {
            throw bad("has a persistent id that is not a storage reference", at);
        }
        if (key.isEmpty() || key.contains("/") || key.contains("\\") || key.contains("..")) {
            throw bad("names a storage '" + key + "' that is not a plain key", at);
        }
        return new StorageRef(key, type.dtype(), numel);
    }

    @Override
    public void build(Object target, Object state, long at) throws WeightFormatException {
        // a parameter's or an inert object's attributes carry no tensor data: ignore them
        if (target instanceof TensorRef || target instanceof Opaque) return;
        throw bad("sets state on " + Pickle.describe(target), at);
    }

    /** (storage, storage_offset, size, stride, ...): requires_grad, hooks and metadata do not matter here. */
    private TensorRef rebuildTensor(List<Object> args, long at) throws WeightFormatException {
        if (args.size() < 4 || !(args.get(0) instanceof StorageRef storage) || !(args.get(1) instanceof Long offset)
                || offset < 0) {
            throw bad("rebuilds a tensor from arguments that are not (storage, offset, size, stride, ...)", at);
        }
        long[] size = dims(args.get(2), "size", at);
        long[] stride = dims(args.get(3), "stride", at);
        if (size.length != stride.length) throw bad("rebuilds a tensor whose size and stride differ in rank", at);
        return new TensorRef(storage, offset, size, stride);
    }

    private long[] dims(Object value, String what, long at) throws WeightFormatException {
        if (!(value instanceof Pickle.Tuple t) || t.items().size() > MAX_RANK) {
            throw bad("rebuilds a tensor whose " + what + " is not a tuple of at most " + MAX_RANK + " integers", at);
        }
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.items().get(i) instanceof Long d) || d < 0) {
                throw bad("rebuilds a tensor with a negative or non-integer " + what, at);
            }
            out[i] = d;
        }
        return out;
    }

    private Set<Object> set(List<Object> args, long at) throws WeightFormatException {
        Set<Object> out = new LinkedHashSet<>();
        if (args.isEmpty()) return out;
        if (args.size() != 1 || !(args.get(0) instanceof List<?> items)) throw bad("builds a set from a non-list", at);
        for (Object item : items) {
            if (item != null && !(item instanceof String || item instanceof Long || item instanceof Boolean
                    || item instanceof Double || item instanceof java.math.BigInteger)) {
                throw bad("builds a set holding " + Pickle.describe(item), at);
            }
            out.add(item);
        }
        return out;
    }

    /** Names in a hostile pickle may hold control characters or be very long: show them tamed. */
    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (; i < text.length() && i < 120; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return i < text.length() ? out + "..." : out.toString();
    }

    private WeightFormatException bad(String what, long at) {
        return new WeightFormatException("The pickle in checkpoint " + origin + " " + what + " (at byte " + at + ").");
    }
}
