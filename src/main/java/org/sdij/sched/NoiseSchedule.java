package org.sdij.sched;

/**
 * The training noise schedule: betas, their cumulative alpha products and the matching sigmas, in float32 with
 * the same rounding as torch's (so {@code alphas_cumprod} equals diffusers' tensor bit for bit).
 * Index t is the training timestep 0..numTrainTimesteps-1.
 */
public final class NoiseSchedule {
    private final float[] betas;
    private final float[] alphasCumprod;

    private NoiseSchedule(float[] betas) {
        this.betas = betas;
        this.alphasCumprod = new float[betas.length];
        double product = 1; // torch's CPU cumprod accumulates float32 in double
        for (int t = 0; t < betas.length; t++) {
            product *= 1f - betas[t];
            alphasCumprod[t] = (float) product;
        }
    }

    /** The schedule of a resolved config (see {@link SchedulerConfig#forClass}). */
    public static NoiseSchedule of(SchedulerConfig c) {
        if (c.trainedBetas() != null) return new NoiseSchedule(c.trainedBetas().clone());
        int n = c.numTrainTimesteps();
        return switch (c.betaSchedule()) {
            case "linear" -> new NoiseSchedule(torchLinspace(c.betaStart(), c.betaEnd(), n));
            case "scaled_linear" -> {
                float[] roots = torchLinspace(Math.sqrt(c.betaStart()), Math.sqrt(c.betaEnd()), n);
                for (int i = 0; i < n; i++) roots[i] *= roots[i];
                yield new NoiseSchedule(roots);
            }
            case "squaredcos_cap_v2" -> new NoiseSchedule(cosineBetas(n));
            default -> throw new IllegalArgumentException("Unknown beta_schedule '" + c.betaSchedule() + "'");
        };
    }

    public int numTrainTimesteps() {
        return betas.length;
    }

    public float alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    public float[] betas() {
        return betas.clone();
    }

    /** sqrt((1 - alphas_cumprod) / alphas_cumprod) per training timestep (ascending), in float32 as torch does it. */
    public float[] sigmas() {
        float[] sigmas = new float[alphasCumprod.length];
        for (int t = 0; t < sigmas.length; t++) {
            float a = alphasCumprod[t];
            sigmas[t] = (float) Math.sqrt((1f - a) / a);
        }
        return sigmas;
    }

    /** The forward process q(x_t | x_0): sqrt(a_t) * original + sqrt(1 - a_t) * noise (diffusers' DDPM add_noise). */
    public float[] addNoise(float[] original, float[] noise, int t) {
        float a = alphasCumprod[t];
        return FloatArrays.axpby((float) Math.sqrt(a), original, (float) Math.sqrt(1f - a), noise);
    }

    /**
     * torch.linspace(start, end, n, dtype=float32) on the CPU, value for value: torch builds it in float32 from
     * both ends (start + step*i for the first half, end - step*(n-1-i) for the second), 16 at a time as two
     * 8-float vectors of base + j*step (a scalar tail), and the compiler fuses each multiply-add into one
     * rounding. Plain float arithmetic is off by an ulp in a few places, enough to change alphas_cumprod.
     */
    static float[] torchLinspace(double start, double end, int n) {
        float[] out = new float[n];
        if (n == 1) {
            out[0] = (float) start;
            return out;
        }
        float from = (float) start;
        float to = (float) end;
        float step = (to - from) / (float) (n - 1);
        final int vector = 8;
        int idx = 0;
        for (; idx + 2 * vector <= n; idx += 2 * vector) {
            for (int v = idx; v < idx + 2 * vector; v += vector) {
                float base = linspaceAt(from, to, step, n, v);
                for (int j = 0; j < vector; j++) out[v + j] = Math.fma((float) j, step, base);
            }
        }
        for (; idx < n; idx++) out[idx] = linspaceAt(from, to, step, n, idx);
        return out;
    }

    private static float linspaceAt(float from, float to, float step, int n, int i) {
        return i < n / 2 ? Math.fma(step, (float) i, from) : Math.fma(-step, (float) (n - 1 - i), to);
    }

    /** The "squaredcos_cap_v2" (Glide cosine) betas, computed in double and stored as float32 as diffusers does. */
    private static float[] cosineBetas(int n) {
        float[] betas = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            betas[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
        }
        return betas;
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }
}
