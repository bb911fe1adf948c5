package org.sdij.random;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * torch's CPU random generator: {@code new TorchGenerator(seed)} then consecutive draws give what
 * {@code g = torch.Generator('cpu').manual_seed(seed)} (or {@code torch.manual_seed(seed)}) then consecutive
 * {@code torch.randn(shape, generator=g)}, {@code torch.rand} or {@code torch.randn(..., dtype=torch.float64)}
 * give on x86-64 CPUs with AVX2 (torch 1.13 and 2.x; AVX-512 machines run the same AVX2 kernel).
 *
 * <p>How torch draws, and the traps reproduced here:
 * <ul>
 *   <li>The engine is a Mersenne Twister seeded with the low 32 bits of the 64-bit seed ({@link Mt19937}).</li>
 *   <li>A float uniform takes the low 24 bits of one 32-bit draw; a double uniform the low 53 bits of two
 *       draws joined high word first.</li>
 *   <li>{@code randn} of 16 or more elements fills the whole tensor with uniforms first, then turns each block
 *       of 16 into normals by Box–Muller (the first 8 uniforms give radii, the next 8 angles). If the size is
 *       not a multiple of 16, the last 16 elements are drawn again as fresh uniforms and transformed, which
 *       overwrites the tail of the previous block. float32 uses torch's own AVX2 polynomials
 *       ({@link BoxMullerAvx2}); float64 uses the C library's log, sin and cos.</li>
 *   <li>{@code randn} of fewer than 16 elements draws one value at a time, in double whatever the dtype: a
 *       pair of double uniforms gives a cosine value now and a sine value that the generator keeps for the
 *       next scalar draw, even one in a later call. The 16-or-more path neither uses nor clears it.</li>
 * </ul>
 *
 * <p>Exactness: float32 {@code randn} of 16 or more elements and {@code rand} are pure arithmetic, identical
 * bit for bit on every platform. The double-precision paths call log, sin and cos, which in torch come from
 * the C library (glibc) and here from {@link Math}; the two disagree in the last bit for about 1 value in 500
 * (measured over 10^6 inputs against glibc 2.36), and glibc itself is not correctly rounded, so float64 draws
 * agree to 1 ulp, usually exactly. Scalar-path values rounded to float32 are not affected in practice: a
 * last-bit difference in the double changes the float only when it sits at a float rounding midpoint.
 * Not thread-safe (torch locks its generator; here one stream belongs to one job).
 */
public final class TorchGenerator implements NoiseSource {

    /** Below this many elements torch's normal kernel takes the scalar path. */
    static final int VECTOR_FILL_MIN = 16;

    /** Java arrays stop a little short of Integer.MAX_VALUE. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);
    private static final BigInteger MIN_SEED = BigInteger.valueOf(Long.MIN_VALUE);

    private final long seed;
    private final Mt19937 engine;
    /** The sine half of the last scalar Box–Muller pair, waiting for the next scalar draw. */
    private double cachedNormal;
    private boolean hasCachedNormal;

    /**
     * A generator as {@code torch.Generator('cpu').manual_seed(seed)} makes it. Every Java long is a seed torch
     * accepts: torch reads a negative seed as its 64-bit two's complement (-1 is 2^64-1), which is exactly the
     * bits a long carries; use {@link #parseSeed} for seeds written as unsigned decimals up to 2^64-1.
     */
    public TorchGenerator(long seed) {
        this.seed = seed;
        this.engine = new Mt19937(seed);
    }

    /**
     * A seed as typed, with torch's range: any integer in [-2^63, 2^64-1]; -1 and 2^64-1 are the same seed.
     * torch refuses larger values ("Overflow when unpacking long") and so does this.
     */
    public static long parseSeed(String text) {
        BigInteger value;
        try {
            value = new BigInteger(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Seed '" + text + "' is not an integer.", e);
        }
        if (value.compareTo(MIN_SEED) < 0 || value.compareTo(TWO_TO_64) >= 0) {
            throw new IllegalArgumentException("Seed " + value + " is outside torch's range [-2^63, 2^64-1].");
        }
        return value.longValue(); // the low 64 bits: 2^64-1 and -1 both become -1L, as in torch
    }

    /** The seed as torch's {@code initial_seed()} reports it: unsigned, so -1 reads back as 2^64-1. */
    public String initialSeed() {
        return Long.toUnsignedString(seed);
    }

    public long seed() {
        return seed;
    }

    @Override
    public float[] randn(long... shape) {
        int n = elementCount(shape);
        float[] out = new float[n];
        if (n >= VECTOR_FILL_MIN) {
            fillUniformFloats(out, 0, n);
            for (int i = 0; i + 16 <= n; i += 16) BoxMullerAvx2.fill16(out, i);
            if (n % 16 != 0) {
                fillUniformFloats(out, n - 16, n);
                BoxMullerAvx2.fill16(out, n - 16);
            }
        } else {
            for (int i = 0; i < n; i++) out[i] = (float) nextScalarNormal();
        }
        return out;
    }

    /** {@code torch.randn(shape, dtype=torch.float64)}: a different stream from the float32 one. */
    public double[] randnDouble(long... shape) {
        int n = elementCount(shape);
        double[] out = new double[n];
        if (n >= VECTOR_FILL_MIN) {
            for (int i = 0; i < n; i++) out[i] = nextUniformDouble();
            for (int i = 0; i + 16 <= n; i += 16) fill16Double(out, i);
            if (n % 16 != 0) {
                for (int i = n - 16; i < n; i++) out[i] = nextUniformDouble();
                fill16Double(out, n - 16);
            }
        } else {
            for (int i = 0; i < n; i++) out[i] = nextScalarNormal();
        }
        return out;
    }

    /** {@code torch.rand(shape)} (float32): uniforms in [0, 1) with 24 random bits each. */
    public float[] rand(long... shape) {
        float[] out = new float[elementCount(shape)];
        fillUniformFloats(out, 0, out.length);
        return out;
    }

    private void fillUniformFloats(float[] out, int from, int to) {
        for (int i = from; i < to; i++) out[i] = (engine.nextInt() & 0xFFFFFF) * 0x1p-24f;
    }

    private double nextUniformDouble() {
        return (engine.nextLong() & ((1L << 53) - 1)) * 0x1p-53;
    }

    /** torch's generic {@code normal_fill_16} in double: the same lane layout as the float32 kernel. */
    private static void fill16Double(double[] data, int offset) {
        for (int j = offset; j < offset + 8; j++) {
            double u1 = 1 - data[j]; // (0, 1], so the log is finite
            double u2 = data[j + 8];
            double radius = Math.sqrt(-2 * Math.log(u1));
            double theta = 2.0 * Math.PI * u2;
            data[j] = radius * Math.cos(theta) + 0.0; // "* std + mean" with std 1, mean 0: only -0 changes
            data[j + 8] = radius * Math.sin(theta) + 0.0;
        }
    }

    /**
     * torch's scalar {@code normal_distribution<double>}. The roles are swapped against the vector path: here
     * the first uniform gives the angle and the second the radius. torch 2.x takes log1p(-u2); torch 1.13 took
     * log(1 - u2), which can differ in the last bit of a double (not seen once rounded to float32).
     */
    private double nextScalarNormal() {
        if (hasCachedNormal) {
            hasCachedNormal = false;
            return cachedNormal + 0.0;
        }
        double u1 = nextUniformDouble();
        double u2 = nextUniformDouble();
        double radius = Math.sqrt(-2.0 * Math.log1p(-u2));
        double theta = 2.0 * Math.PI * u1;
        cachedNormal = radius * Math.sin(theta);
        hasCachedNormal = true;
        return radius * Math.cos(theta) + 0.0;
    }

    static int elementCount(long... shape) {
        long n = 1; // saturates at MAX_ELEMENTS + 1, so a later 0 still gives an empty tensor
        for (long dim : shape) {
            if (dim < 0) throw new IllegalArgumentException("Negative dimension in shape " + Arrays.toString(shape));
            n = dim == 0 ? 0 : (n > MAX_ELEMENTS / dim ? MAX_ELEMENTS + 1 : n * dim);
        }
        if (n > MAX_ELEMENTS) {
            throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " has more elements than a Java array holds.");
        }
        return (int) n;
    }
}
