package org.sdij.sched;

/** Element-wise float32 arithmetic on flat latents, rounded per operation as torch's float32 kernels do. */
final class FloatArrays {
    private FloatArrays() {}

    /** a * x + b * y. */
    static float[] axpby(float a, float[] x, float b, float[] y) {
        checkSameLength(x, y);
        float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) out[i] = a * x[i] + b * y[i];
        return out;
    }

    /** a * x. */
    static float[] scale(float a, float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) out[i] = a * x[i];
        return out;
    }

    /** x / d, divided rather than multiplied by 1/d, as torch does. */
    static float[] divide(float[] x, float d) {
        float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) out[i] = x[i] / d;
        return out;
    }

    /** Clamps every element into [-limit, limit]. */
    static float[] clamp(float[] x, float limit) {
        float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) out[i] = Math.max(-limit, Math.min(limit, x[i]));
        return out;
    }

    static void checkSameLength(float[] x, float[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("Latents of different sizes: " + x.length + " and " + y.length);
        }
    }
}
