package org.sdij.nn;

import ai.djl.ndarray.NDArray;

/**
 * Group norm over NCHW with a per-channel affine transform ({@code weight}, {@code bias} [C]). Built from
 * low-memory weights, its SiLU form works on large inputs a few groups at a time ({@link Ops#groupNormSiluInChunks}).
 */
public final class GroupNormLayer {
    private final NDArray gamma;
    private final NDArray beta;
    private final int groups;
    private final double eps;
    private final boolean inChunks;

    private GroupNormLayer(NDArray gamma, NDArray beta, int groups, double eps, boolean inChunks) {
        this.gamma = gamma;
        this.beta = beta;
        this.groups = groups;
        this.eps = eps;
        this.inChunks = inChunks;
    }

    public static GroupNormLayer load(Weights w, int channels, int groups, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(w.prefix() + ": " + channels + " channels do not split into "
                    + groups + " groups");
        }
        return new GroupNormLayer(w.get("weight", channels), w.get("bias", channels), groups, eps, w.lowMemory());
    }

    public NDArray forward(NDArray x) {
        return Ops.groupNorm(x, groups, gamma, beta, eps);
    }

    /** SiLU(norm(x)) without keeping the intermediate normalised array. */
    public NDArray forwardSilu(NDArray x) {
        return inChunks ? Ops.groupNormSiluInChunks(x, groups, gamma, beta, eps)
                : Ops.groupNormSilu(x, groups, gamma, beta, eps);
    }
}
