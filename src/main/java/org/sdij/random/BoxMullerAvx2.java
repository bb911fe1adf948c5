package org.sdij.random;

/**
 * The single-precision Box–Muller step of torch's x86 CPU {@code normal_} for float32 tensors of 16 or more
 * elements ({@code normal_fill_16_AVX2}), reproduced bit for bit.
 *
 * <p>torch computes it with 8-wide AVX2 code that evaluates the Cephes single-precision polynomials for log,
 * sin and cos (from the "avx_mathfun" header), not with the C library. A float Box–Muller built on correctly
 * rounded log, sin and cos differs from torch in the last bit for about a third of the values. So this class
 * repeats those polynomials operation by operation in float arithmetic, and it fuses exactly the multiply-adds
 * that GCC contracted into FMA instructions when it compiled torch's AVX2 kernels with {@code -mfma} (without
 * them ~1 value in 100 still differs; which ones GCC fused was found by matching the reference tensors, where
 * every other choice leaves mismatches). All of it is IEEE float arithmetic, so the bits are the same on every
 * platform the JVM runs on.
 *
 * <p>Constants are written as {@code (float) <double literal>} because the C source initialises float arrays
 * from double literals: decimal to double to float, which can differ from a direct decimal-to-float literal.
 */
final class BoxMullerAvx2 {
    private BoxMullerAvx2() {}

    /** {@code 2.0f * c10::pi<double>} is computed in double, then stored as float. */
    private static final float TWO_PI = (float) (2.0 * Math.PI);

    private static final float SQRT_HALF = (float) 0.707106781186547524;
    private static final float LOG_P0 = (float) 7.0376836292E-2;
    private static final float LOG_P1 = (float) -1.1514610310E-1;
    private static final float LOG_P2 = (float) 1.1676998740E-1;
    private static final float LOG_P3 = (float) -1.2420140846E-1;
    private static final float LOG_P4 = (float) 1.4249322787E-1;
    private static final float LOG_P5 = (float) -1.6668057665E-1;
    private static final float LOG_P6 = (float) 2.0000714765E-1;
    private static final float LOG_P7 = (float) -2.4999993993E-1;
    private static final float LOG_P8 = (float) 3.3333331174E-1;
    /** ln 2 split in two, so that exponent * ln 2 keeps its precision. */
    private static final float LN2_LOW = (float) -2.12194440e-4;
    private static final float LN2_HIGH = (float) 0.693359375;

    private static final float FOUR_OVER_PI = (float) 1.27323954473516;
    /** -pi/4 split in three (Cody–Waite) for the argument reduction. */
    private static final float MINUS_PI4_A = (float) -0.78515625;
    private static final float MINUS_PI4_B = (float) -2.4187564849853515625e-4;
    private static final float MINUS_PI4_C = (float) -3.77489497744594108e-8;
    private static final float SIN_P0 = (float) -1.9515295891E-4;
    private static final float SIN_P1 = (float) 8.3321608736E-3;
    private static final float SIN_P2 = (float) -1.6666654611E-1;
    private static final float COS_P0 = (float) 2.443315711809948E-005;
    private static final float COS_P1 = (float) -1.388731625493765E-003;
    private static final float COS_P2 = (float) 4.166664568298827E-002;

    /**
     * Turns 16 uniforms in [0, 1) at {@code data[offset..offset+16)} into 16 standard normals in place: lane j
     * pairs {@code u1 = data[j]} (radius) with {@code u2 = data[j + 8]} (angle); the cosine goes to j, the sine
     * to j + 8.
     */
    static void fill16(float[] data, int offset) {
        for (int j = offset; j < offset + 8; j++) {
            float u1 = 1f - data[j]; // [0, 1) -> (0, 1], so the log is finite
            float u2 = data[j + 8];
            float radius = (float) Math.sqrt(-2f * log(u1)); // float sqrt via double is correctly rounded
            float theta = TWO_PI * u2;
            // The kernel stores fma(n, std = 1, mean = 0): adding +0 turns a -0 into +0, as that FMA does.
            data[j] = radius * cos(theta) + 0f;
            data[j + 8] = radius * sin(theta) + 0f;
        }
    }

    /** Cephes logf for x in (0, 1] (normal numbers only, which 1 - k/2^24 always is). */
    static float log(float x) {
        int bits = Float.floatToRawIntBits(x);
        float exponent = (float) ((bits >>> 23) - 127) + 1f;
        float m = Float.intBitsToFloat((bits & ~0x7f800000) | 0x3f000000); // mantissa scaled into [0.5, 1)
        // Keep m near 1 so the series converges fast: m < sqrt(1/2) becomes 2m - 1 with one less exponent.
        if (m < SQRT_HALF) {
            exponent -= 1f;
            m = (m - 1f) + m;
        } else {
            m = m - 1f;
        }
        float z = m * m;
        float y = LOG_P0;
        y = Math.fma(y, m, LOG_P1);
        y = Math.fma(y, m, LOG_P2);
        y = Math.fma(y, m, LOG_P3);
        y = Math.fma(y, m, LOG_P4);
        y = Math.fma(y, m, LOG_P5);
        y = Math.fma(y, m, LOG_P6);
        y = Math.fma(y, m, LOG_P7);
        y = Math.fma(y, m, LOG_P8);
        y = y * m;
        // GCC fused "y * z" with the following "+ exponent * LN2_LOW" (the product e * LN2_LOW stays rounded).
        y = Math.fma(y, z, exponent * LN2_LOW);
        y = Math.fma(z, -0.5f, y);
        float result = m + y;
        return Math.fma(exponent, LN2_HIGH, result);
    }

    static float sin(float theta) {
        return sinCos(theta, true);
    }

    static float cos(float theta) {
        return sinCos(theta, false);
    }

    /**
     * Cephes sincosf for theta in [0, 2pi): reduce to [-pi/4, pi/4] by octant, evaluate both polynomials,
     * pick per octant and fix the signs. (The AVX code computes sine and cosine together; computing them
     * separately here gives the same bits, since every step is lane-wise.)
     */
    private static float sinCos(float theta, boolean wantSine) {
        float x = Math.abs(theta);
        int octant = (int) (x * FOUR_OVER_PI); // truncation, as cvttps does for non-negative values
        octant = (octant + 1) & ~1; // round up to even: the reduced argument then lies in [-pi/4, pi/4]
        float y = octant;
        x = Math.fma(y, MINUS_PI4_A, x);
        x = Math.fma(y, MINUS_PI4_B, x);
        x = Math.fma(y, MINUS_PI4_C, x);

        float z = x * x;
        float cosPoly = Math.fma(Math.fma(COS_P0, z, COS_P1), z, COS_P2);
        cosPoly = cosPoly * z;
        cosPoly = Math.fma(cosPoly, z, -(z * 0.5f)); // GCC fused the second "* z" with "- z * 0.5"
        cosPoly = cosPoly + 1f;
        float sinPoly = Math.fma(Math.fma(SIN_P0, z, SIN_P1), z, SIN_P2);
        sinPoly = sinPoly * z;
        sinPoly = Math.fma(sinPoly, x, x);

        boolean sinePolynomialForSine = (octant & 2) == 0;
        float value;
        boolean negate;
        if (wantSine) {
            value = sinePolynomialForSine ? sinPoly : cosPoly;
            negate = (octant & 4) != 0;
        } else {
            value = sinePolynomialForSine ? cosPoly : sinPoly;
            negate = (~(octant - 2) & 4) != 0;
        }
        // The AVX code selects by masking and then adds the two masked halves: +0 + value turns -0 into +0.
        value = value + 0f;
        return negate ? -value : value; // the AVX code flips the sign bit with xor, as negation does
    }
}
