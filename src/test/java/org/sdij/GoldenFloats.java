package org.sdij;

import java.io.IOException;
import org.sdij.io.DType;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.TensorInfo;

/** Float32 golden tensors as Java arrays: read from a safetensors file, and compared. */
public final class GoldenFloats {
    private GoldenFloats() {}

    /** The F32 tensor {@code name} of {@code file}, flat in row-major order. */
    public static float[] read(SafeTensorsFile file, String name) throws IOException {
        TensorInfo info = file.info(name);
        if (info == null) throw new IllegalArgumentException(file.path() + " has no tensor " + name);
        if (info.dtype() != DType.F32) throw new IllegalStateException(name + " is " + info.dtype());
        float[] out = new float[(int) info.elementCount()];
        file.bytes(name).asFloatBuffer().get(out);
        return out;
    }

    /** The largest absolute difference, computed in double; infinite where either side has a NaN. */
    public static double maxAbsDiff(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != " + expected.length);
        }
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            if (!(d <= max)) max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
        }
        return max;
    }
}
