package org.sdij.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Test-only pickle emitter: writes opcodes one by one, so fixtures can be exactly what torch.save writes
 * (protocol 2, see {@link #tensor}) or exactly as hostile as a test needs.
 */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int memo;

    PickleWriter op(int... codes) {
        for (int c : codes) out.write(c);
        return this;
    }

    PickleWriter proto(int version) {
        return op(0x80, version);
    }

    PickleWriter mark() {
        return op('(');
    }

    PickleWriter emptyDict() {
        return op('}');
    }

    PickleWriter emptyList() {
        return op(']');
    }

    PickleWriter emptyTuple() {
        return op(')');
    }

    PickleWriter tuple() {
        return op('t');
    }

    PickleWriter reduce() {
        return op('R');
    }

    PickleWriter build() {
        return op('b');
    }

    PickleWriter setItem() {
        return op('s');
    }

    PickleWriter setItems() {
        return op('u');
    }

    PickleWriter append() {
        return op('a');
    }

    PickleWriter appends() {
        return op('e');
    }

    PickleWriter persistentId() {
        return op('Q');
    }

    PickleWriter none() {
        return op('N');
    }

    PickleWriter bool(boolean value) {
        return op(value ? 0x88 : 0x89);
    }

    PickleWriter stop() {
        return op('.');
    }

    /** BINUNICODE, as torch's protocol 2 writes every string. */
    PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        int32(b.length);
        out.writeBytes(b);
        return this;
    }

    PickleWriter shortStr(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op(0x8c, b.length);
        out.writeBytes(b);
        return this;
    }

    /** The smallest opcode that holds the value, as Python's pickler chooses. */
    PickleWriter integer(long v) {
        if (v >= 0 && v < 256) return op('K', (int) v);
        if (v >= 0 && v < 65536) return op('M', (int) (v & 0xff), (int) (v >> 8));
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            return int32((int) v);
        }
        op(0x8a, 8);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        return this;
    }

    PickleWriter binFloat(double v) {
        op('G');
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(v).array());
        return this;
    }

    PickleWriter global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Protocol 4's form: module and name as strings on the stack. */
    PickleWriter stackGlobal(String module, String name) {
        return shortStr(module).shortStr(name).op(0x93);
    }

    /** Stores the top of the stack in the next memo slot; returns that slot through {@link #lastMemo}. */
    PickleWriter put() {
        if (memo < 256) return op('q', memo++);
        op('r');
        return int32(memo++);
    }

    int lastMemo() {
        return memo - 1;
    }

    PickleWriter get(int slot) {
        if (slot < 256) return op('h', slot);
        op('j');
        return int32(slot);
    }

    PickleWriter int32(int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        return this;
    }

    PickleWriter int64(long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        return this;
    }

    PickleWriter intTuple(long... values) {
        if (values.length == 0) return emptyTuple();
        if (values.length > 3) mark();
        for (long v : values) integer(v);
        return values.length > 3 ? tuple() : op(0x84 + values.length);
    }

    /** An empty OrderedDict, as torch writes the backward-hooks argument. */
    PickleWriter orderedDict() {
        return global("collections", "OrderedDict").emptyTuple().reduce();
    }

    /**
     * One tensor the way torch.save writes it: _rebuild_tensor_v2((persistent storage id), offset, size,
     * stride, requires_grad, backward_hooks).
     */
    PickleWriter tensor(String storageClass, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark().str("storage").global("torch", storageClass).str(key).str("cpu").integer(numel).tuple().persistentId();
        integer(offset).intTuple(size).intTuple(stride).bool(false).orderedDict();
        return tuple().reduce();
    }

    /** An nn.Parameter around a tensor: _rebuild_parameter(tensor, requires_grad, hooks). */
    PickleWriter parameter(String storageClass, String key, long numel, long[] size) {
        global("torch._utils", "_rebuild_parameter");
        tensor(storageClass, key, numel, 0, size, contiguousStrides(size));
        bool(true).orderedDict();
        return op(0x87).reduce(); // TUPLE3
    }

    static long[] contiguousStrides(long[] size) {
        long[] stride = new long[size.length];
        long s = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= size[i];
        }
        return stride;
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
