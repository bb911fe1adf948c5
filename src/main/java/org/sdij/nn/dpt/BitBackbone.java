package org.sdij.nn.dpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.Ops;
import org.sdij.nn.Weights;

/**
 * The BiT ResNet of DPT-Hybrid (transformers' {@code BitBackbone}, layer type "bottleneck", TF "SAME" padding):
 * a 7x7/2 stem, group norm + ReLU, a 3x3/2 max pool, then three stages of non-pre-activation bottleneck blocks.
 * Every convolution is weight-standardised; its kernels are standardised once, at load. {@link #forward} returns
 * the three stages' outputs (the hybrid embeddings take the last, the neck the first two).
 */
final class BitBackbone {
    /** Weight standardisation's epsilon, the same for every BiT convolution of the hybrid. */
    private static final double STANDARDISE_EPS = 1e-8;
    private static final double NORM_EPS = 1e-5;

    /** A bias-free, weight-standardised convolution with TF "SAME" padding. */
    private record Conv(NDArray kernel, int size, int stride) {
        static Conv load(Weights w, int in, int out, int size, int stride) {
            return new Conv(standardise(w.get("weight", out, in, size, size)), size, stride);
        }

        NDArray forward(NDArray x) {
            if (stride == 1) return Ops.conv2d(x, kernel, null, 1, (size - 1) / 2);
            return Ops.conv2d(samePad(x, size, stride), kernel, null, stride, 0);
        }
    }

    private record Norm(NDArray gamma, NDArray beta, int groups) {
        static Norm load(Weights w, int channels, int groups) {
            if (channels % groups != 0) {
                throw new IllegalArgumentException(w.prefix() + ": " + channels + " channels do not split into "
                        + groups + " groups");
            }
            return new Norm(w.get("weight", channels), w.get("bias", channels), groups);
        }

        NDArray forward(NDArray x) {
            return Ops.groupNorm(x, groups, gamma, beta, NORM_EPS);
        }
    }

    /** conv1 1x1 - norm+ReLU - conv2 3x3 (the stage's stride) - norm+ReLU - conv3 1x1 - norm, + shortcut, ReLU. */
    private record Block(Conv downsample, Norm downsampleNorm, Conv conv1, Norm norm1, Conv conv2, Norm norm2,
                         Conv conv3, Norm norm3) {
        NDArray forward(NDArray x) {
            NDArray shortcut = downsample == null ? x : downsampleNorm.forward(downsample.forward(x));
            NDArray h = Activation.relu(norm1.forward(conv1.forward(x)));
            h = Activation.relu(norm2.forward(conv2.forward(h)));
            return Activation.relu(norm3.forward(conv3.forward(h)).addi(shortcut));
        }
    }

    private final Conv stem;
    private final Norm stemNorm;
    private final boolean dynamicPoolPadding;
    private final List<List<Block>> stages = new ArrayList<>();

    BitBackbone(DptConfig.Bit config, Weights weights) {
        Weights embedder = weights.sub("embedder");
        stem = Conv.load(embedder.sub("convolution"), config.numChannels(), config.embeddingSize(), 7, 2);
        stemNorm = Norm.load(embedder.sub("norm"), config.embeddingSize(), config.numGroups());
        dynamicPoolPadding = config.embeddingDynamicPadding();
        int in = config.embeddingSize();
        int stride = 4;
        for (int s = 0; s < config.depths().length; s++) {
            int out = config.stageChannels(s);
            int stageStride = s == 0 ? 1 : 2;
            if (stride >= config.outputStride()) {
                throw new IllegalArgumentException("BiT output_stride " + config.outputStride()
                        + " (dilated stages) is not supported");
            }
            stride *= stageStride;
            int mid = DptConfig.makeDivisible(out * 0.25, 8);
            List<Block> blocks = new ArrayList<>();
            Weights stage = weights.sub("encoder").sub("stages").sub(s).sub("layers");
            for (int b = 0; b < config.depths()[s]; b++) {
                Weights block = stage.sub(b);
                int blockIn = b == 0 ? in : out;
                int blockStride = b == 0 ? stageStride : 1;
                boolean first = b == 0;
                blocks.add(new Block(
                        first ? Conv.load(block.sub("downsample").sub("conv"), blockIn, out, 1, blockStride) : null,
                        first ? Norm.load(block.sub("downsample").sub("norm"), out, config.numGroups()) : null,
                        Conv.load(block.sub("conv1"), blockIn, mid, 1, 1),
                        Norm.load(block.sub("norm1"), mid, config.numGroups()),
                        Conv.load(block.sub("conv2"), mid, mid, 3, blockStride),
                        Norm.load(block.sub("norm2"), mid, config.numGroups()),
                        Conv.load(block.sub("conv3"), mid, out, 1, 1),
                        Norm.load(block.sub("norm3"), out, config.numGroups())));
            }
            stages.add(blocks);
            in = out;
        }
    }

    /** The three stages' outputs for pixel values [B, 3, H, W]. */
    List<NDArray> forward(NDArray pixels, DptForDepthEstimation.Taps taps) {
        List<NDArray> outputs = new ArrayList<>();
        NDArray x = ForwardScope.block(() -> {
            NDArray h = Activation.relu(stemNorm.forward(stem.forward(pixels)));
            if (dynamicPoolPadding) h = samePad(h, 3, 2);
            return Pool.maxPool2d(h, new Shape(3, 3), new Shape(2, 2), new Shape(0, 0), false);
        });
        taps.put("bit.stem", x);
        for (int s = 0; s < stages.size(); s++) {
            for (Block block : stages.get(s)) {
                NDArray input = x;
                x = ForwardScope.block(() -> block.forward(input));
            }
            outputs.add(x);
            taps.put("bit.stage" + (s + 1), x);
        }
        return outputs;
    }

    /**
     * TF "SAME" padding of a strided window: total max((ceil(n / s) - 1) * s + k - n, 0) per axis, the smaller
     * half before, zeros (after ReLU, as neutral for the max pool as -inf).
     */
    static NDArray samePad(NDArray x, int kernel, int stride) {
        Shape s = x.getShape();
        long padH = samePadding(s.get(2), kernel, stride);
        long padW = samePadding(s.get(3), kernel, stride);
        if (padH == 0 && padW == 0) return x;
        return x.pad(new Shape(padW / 2, padW - padW / 2, padH / 2, padH - padH / 2), 0);
    }

    private static long samePadding(long n, int kernel, int stride) {
        return Math.max((Math.floorDiv(n + stride - 1, stride) - 1) * stride + kernel - n, 0);
    }

    /**
     * Per output channel, (w - mean) / sqrt(biased variance + eps) over in x kh x kw, as BiT's
     * WeightStandardizedConv2d computes on every call (in double here, then rounded once).
     */
    private static NDArray standardise(NDArray weight) {
        Shape shape = weight.getShape();
        int out = (int) shape.get(0);
        NDArray wide = weight.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        float[] w = wide.toFloatArray();
        if (wide != weight) wide.close();
        int per = w.length / out;
        float[] standardised = new float[w.length];
        for (int o = 0; o < out; o++) {
            double mean = 0;
            for (int i = 0; i < per; i++) mean += w[o * per + i];
            mean /= per;
            double variance = 0;
            for (int i = 0; i < per; i++) {
                double d = w[o * per + i] - mean;
                variance += d * d;
            }
            variance /= per;
            double scale = 1 / Math.sqrt(variance + STANDARDISE_EPS);
            for (int i = 0; i < per; i++) standardised[o * per + i] = (float) ((w[o * per + i] - mean) * scale);
        }
        NDManager manager = weight.getManager();
        NDArray result = manager.create(standardised, shape).toType(weight.getDataType(), false);
        weight.close();
        return result;
    }
}
