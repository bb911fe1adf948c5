package org.sdij.nn.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.sdij.nn.LinearLayer;
import org.sdij.nn.Ops;
import org.sdij.nn.Weights;

/**
 * The sinusoidal timestep features and the two-layer MLP ({@code linear_1}, SiLU, {@code linear_2}) that
 * turns them into the embedding every resnet block receives.
 */
final class TimestepEmbedding {
    private static final double MAX_PERIOD = 10000;

    private final LinearLayer linear1;
    private final LinearLayer linear2;

    TimestepEmbedding(Weights w, int in, int out) {
        linear1 = LinearLayer.load(w.sub("linear_1"), in, out);
        linear2 = LinearLayer.load(w.sub("linear_2"), out, out);
    }

    NDArray forward(NDArray features) {
        return linear2.forward(Ops.silu(linear1.forward(features)));
    }

    /**
     * diffusers' get_timestep_embedding in the same float32 steps: frequencies
     * exp(-ln(10000) * i / (half - shift)), arguments t * freq, then [sin, cos] or, flipped, [cos, sin].
     *
     * @param timesteps [B], any numeric type (converted to float32 as diffusers does)
     */
    static NDArray sinusoid(NDManager manager, NDArray timesteps, int dim, boolean flipSinToCos, double shift) {
        int half = dim / 2;
        NDArray exponent = manager.arange(0f, (float) half, 1f, DataType.FLOAT32)
                .mul((float) -Math.log(MAX_PERIOD))
                .div((float) (half - shift));
        NDArray frequencies = exponent.exp();
        long batch = timesteps.getShape().get(0);
        NDArray arguments = timesteps.toType(DataType.FLOAT32, false).reshape(batch, 1)
                .mul(frequencies.reshape(1, half));
        NDArray sin = arguments.sin();
        NDArray cos = arguments.cos();
        NDArray emb = NDArrays.concat(flipSinToCos ? new NDList(cos, sin) : new NDList(sin, cos), 1);
        if (dim % 2 == 1) emb = emb.pad(new Shape(0, 1), 0);
        return emb;
    }
}
