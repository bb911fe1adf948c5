package org.sdij.io;

import java.util.Arrays;

/** What a weight file says about one tensor, before its data is read. */
public record TensorInfo(String name, DType dtype, long[] shape) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() {
        return Math.multiplyExact(elementCount(), (long) dtype.bytes);
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
