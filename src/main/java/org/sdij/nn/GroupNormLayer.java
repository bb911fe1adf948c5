package org.sdij.nn;

import ai.djl.ndarray.NDArray;

/**
 * Group norm over NCHW with a per-channel affine transform ({@code weight}, {@code bias} [C]). Its SiLU form works
 * on large inputs a few groups at a time ({@link Ops#groupNormSiluInChunks}): two fewer arrays as large as the input.
 */
public final class GroupNormLayer {
    private final NDArray gamma;
    private final NDArray beta;
    private final int groups;
    private final double eps;

    private GroupNormLayer(NDArray gamma, NDArray beta, int groups, double eps) {
        this.gamma = gamma;
        this.beta = beta;
        this.groups = groups;
        this.eps = eps;
    }

    public static GroupNormLayer load(Weights w, int channels, int groups, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(w.prefix() + ": " + channels + " channels do not split into "
                    + groups + " groups");
        }
        return new GroupNormLayer(w.get("weight", channels), w.get("bias", channels), groups, eps);
    }

    public NDArray forward(NDArray x) {
        return Ops.groupNorm(x, groups, gamma, beta, eps);
    }

    /** SiLU(norm(x)) without keeping the intermediate normalised array. */
    public NDArray forwardSilu(NDArray x) {
        return Ops.groupNormSiluInChunks(x, groups, gamma, beta, eps);
    }
}
