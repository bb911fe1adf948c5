package org.sdij.random;

/**
 * The 32-bit Mersenne Twister (Matsumoto and Nishimura, 1998), as torch's CPU generator runs it.
 *
 * <p>torch stores the full 64-bit seed but seeds the state with its low 32 bits only, so seeds that agree in
 * those bits (2^32-1, 2^63-1, 2^64-1, -1) give the same stream. Outputs are unsigned 32-bit values carried in
 * a Java {@code int}; mask with {@code 0xFFFFFFFFL} where the unsigned value matters.
 */
final class Mt19937 {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_BIT = 0x80000000;
    private static final int LOWER_BITS = 0x7fffffff;

    private final int[] state = new int[N];
    /** Index of the next word to temper; N means the block is used up and must be regenerated. */
    private int next;

    Mt19937(long seed) {
        state[0] = (int) seed; // the low 32 bits: the only part of the seed torch's engine uses
        for (int i = 1; i < N; i++) {
            int previous = state[i - 1];
            state[i] = 1812433253 * (previous ^ (previous >>> 30)) + i; // int overflow = arithmetic mod 2^32
        }
        next = N; // the first draw regenerates the block, as the reference algorithm does
    }

    /** The next 32 random bits. */
    int nextInt() {
        if (next == N) regenerate();
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** torch's {@code random64()}: the first draw is the high word, the second the low word. */
    long nextLong() {
        long high = nextInt() & 0xFFFFFFFFL;
        long low = nextInt() & 0xFFFFFFFFL;
        return (high << 32) | low;
    }

    private void regenerate() {
        for (int i = 0; i < N; i++) {
            int mixed = (state[i] & UPPER_BIT) | (state[(i + 1) % N] & LOWER_BITS);
            int twisted = (mixed >>> 1) ^ ((mixed & 1) != 0 ? MATRIX_A : 0);
            state[i] = state[(i + M) % N] ^ twisted;
        }
        next = 0;
    }
}
