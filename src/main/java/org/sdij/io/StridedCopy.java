package org.sdij.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Copies a strided view of a storage (a transposed or sliced tensor) into contiguous row-major bytes. */
final class StridedCopy {
    private StridedCopy() {}

    /**
     * @param source the storage bytes from the view's first element on, covering its whole extent
     * @param swapBytes reverse each element's bytes (a big-endian checkpoint)
     * @return a direct little-endian buffer of {@code product(size) * elementBytes} bytes
     */
    static ByteBuffer gather(ByteBuffer source, long[] size, long[] stride, int elementBytes, boolean swapBytes) {
        long count = 1;
        for (long d : size) count *= d;
        ByteBuffer out = ByteBuffer.allocateDirect((int) (count * elementBytes)).order(ByteOrder.LITTLE_ENDIAN);
        if (count == 0) return out;
        int rank = size.length;
        long[] index = new long[rank];
        long element = 0; // storage element of the current index, relative to the view's first one
        byte[] bytes = new byte[elementBytes];
        for (long n = 0; n < count; n++) {
            source.get((int) (element * elementBytes), bytes);
            if (swapBytes) reverse(bytes);
            out.put(bytes);
            // odometer step: the last dimension moves fastest
            for (int d = rank - 1; d >= 0; d--) {
                if (++index[d] < size[d]) {
                    element += stride[d];
                    break;
                }
                element -= (size[d] - 1) * stride[d];
                index[d] = 0;
            }
        }
        return out.flip();
    }

    private static void reverse(byte[] b) {
        for (int i = 0, j = b.length - 1; i < j; i++, j--) {
            byte t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
    }
}
