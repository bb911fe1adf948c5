package org.sdij.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

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

    /** Bytes read at a time by {@link #readConverted}. */
    static final int READ_PIECE_BYTES = 8 << 20;

    /** Whether {@link #readConverted} is the way: an F32 tensor wanted as float16, or an F16 one as float32. */
    static boolean convertsBetweenHalfAndSingle(DType stored, DataType target) {
        return stored == DType.F32 && target == DataType.FLOAT16 || stored == DType.F16 && target == DataType.FLOAT32;
    }

    /**
     * The F32 or F16 tensor whose bytes start at {@code position} of {@code channel}, converted to {@code target},
     * read through {@code scratch} (a direct buffer) a piece at a time: the file is read, not mapped, so once
     * converted no page of it stays in this process's resident memory (a closed mapping lingers until the
     * garbage collector releases it), and only one piece at the stored width exists at a time. The
     * conversion is torch's, the same as converting the whole tensor at once.
     */
    static NDArray readConverted(FileChannel channel, long position, TensorInfo info, DataType target,
                                 NDManager manager, ByteBuffer scratch) throws IOException {
        DataType stored = info.dtype() == DType.F32 ? DataType.FLOAT32 : DataType.FLOAT16;
        int elementBytes = info.dtype().bytes;
        long count = info.byteSize() / elementBytes;
        long perPiece = scratch.capacity() / elementBytes;
        NDArray flat = manager.create(new Shape(count), target);
        try {
            for (long start = 0; start < count; start += perPiece) {
                long n = Math.min(perPiece, count - start);
                ByteBuffer piece = scratch.clear().limit((int) (n * elementBytes));
                while (piece.hasRemaining()) {
                    if (channel.read(piece, position + start * elementBytes + piece.position()) < 0) {
                        throw new WeightFormatException("unexpected end of file in tensor '" + info.name() + "'");
                    }
                }
                piece.flip();
                try (NDArray raw = manager.create(piece.slice().order(ByteOrder.LITTLE_ENDIAN), new Shape(n), stored);
                     NDArray converted = raw.toType(target, false)) {
                    flat.set(new NDIndex(start + ":" + (start + n)), converted);
                }
            }
        } catch (IOException | RuntimeException e) {
            flat.close();
            throw e;
        }
        // a view of torch's own memory, which torch keeps alive when the flat handle is closed
        NDArray shaped = flat.reshape(new Shape(info.shape()));
        if (shaped != flat) flat.close();
        return shaped;
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
