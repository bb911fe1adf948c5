package org.sdij.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Turns the raw little-endian bytes of a contiguous tensor into an NDArray. */
public final class TensorBytes {
    private TensorBytes() {}

    public static NDArray toNDArray(ByteBuffer bytes, TensorInfo info, NDManager manager) {
        Shape shape = new Shape(info.shape());
        ByteBuffer data = bytes.slice().order(ByteOrder.LITTLE_ENDIAN); // DJL ignores the position
        return switch (info.dtype()) {
            case F32 -> manager.create(direct(data), shape, DataType.FLOAT32);
            case F16 -> manager.create(direct(data), shape, DataType.FLOAT16);
            case I64 -> manager.create(direct(data), shape, DataType.INT64);
            case I32 -> manager.create(direct(data), shape, DataType.INT32);
            case I8 -> manager.create(direct(data), shape, DataType.INT8);
            case U8 -> manager.create(direct(data), shape, DataType.UINT8);
            case BOOL -> manager.create(direct(data), shape, DataType.BOOLEAN);
            case BF16 -> manager.create(widenBfloat16(data), shape);
            case F64 -> manager.create(narrowFloat64(data), shape);
            case I16 -> manager.create(widenInt16(data), shape);
        };
    }

    /** bfloat16 is the top half of a float32: shifting it back is exact. */
    static float[] widenBfloat16(ByteBuffer data) {
        var shorts = data.asShortBuffer();
        float[] out = new float[shorts.remaining()];
        for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((shorts.get(i) & 0xffff) << 16);
        return out;
    }

    static float[] narrowFloat64(ByteBuffer data) {
        var doubles = data.asDoubleBuffer();
        float[] out = new float[doubles.remaining()];
        for (int i = 0; i < out.length; i++) out[i] = (float) doubles.get(i);
        return out;
    }

    static int[] widenInt16(ByteBuffer data) {
        var shorts = data.asShortBuffer();
        int[] out = new int[shorts.remaining()];
        for (int i = 0; i < out.length; i++) out[i] = shorts.get(i);
        return out;
    }

    /** libtorch reads the memory directly, so heap buffers are copied to native memory first. */
    private static ByteBuffer direct(ByteBuffer data) {
        if (data.isDirect()) return data;
        ByteBuffer copy = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(data.duplicate()).flip();
        return copy;
    }
}
