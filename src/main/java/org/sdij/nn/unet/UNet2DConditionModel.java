package org.sdij.nn.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import org.sdij.nn.Conv2dLayer;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.GroupNormLayer;
import org.sdij.nn.Weights;

/**
 * diffusers' UNet2DConditionModel for SD 1.x, 2.x (including inpainting, depth and v models) and the x4
 * upscaler, built from a {@link UNetConfig} and weights under diffusers names. It predicts noise (or v)
 * for a noisy latent, a timestep and the text encoder's hidden states.
 */
public final class UNet2DConditionModel {
    private final UNetConfig config;
    private final Conv2dLayer convIn;
    private final TimestepEmbedding timeEmbedding;
    private final NDArray classEmbeddingTable;
    private final TimestepEmbedding classTimestepEmbedding;
    private final List<DownBlock> downBlocks = new ArrayList<>();
    private final MidBlock midBlock;
    private final List<UpBlock> upBlocks = new ArrayList<>();
    private final GroupNormLayer convNormOut;
    private final Conv2dLayer convOut;

    /** Reads every tensor now; call {@code weights.finish()} afterwards to report missing or unused ones. */
    public UNet2DConditionModel(UNetConfig config, Weights w) {
        this.config = config;
        int[] channels = config.blockOutChannels();
        convIn = Conv2dLayer.load(w.sub("conv_in"), config.inChannels(), channels[0], config.convInKernel());
        timeEmbedding = new TimestepEmbedding(w.sub("time_embedding"), config.timestepInputDim(), config.timeEmbedDim());
        boolean table = config.classEmbedType() == null && config.numClassEmbeds() != null;
        classEmbeddingTable = table
                ? w.sub("class_embedding").get("weight", config.numClassEmbeds(), config.timeEmbedDim()) : null;
        classTimestepEmbedding = "timestep".equals(config.classEmbedType())
                ? new TimestepEmbedding(w.sub("class_embedding"), config.timestepInputDim(), config.timeEmbedDim()) : null;
        for (int level = 0; level < config.levels(); level++) {
            int in = channels[Math.max(level - 1, 0)];
            downBlocks.add(new DownBlock(w.sub("down_blocks").sub(level), config, level, in, channels[level]));
        }
        midBlock = config.midBlockType() == null ? null : new MidBlock(w.sub("mid_block"), config);
        for (int i = 0; i < config.levels(); i++) {
            upBlocks.add(new UpBlock(w.sub("up_blocks").sub(i), config, i));
        }
        convNormOut = GroupNormLayer.load(w.sub("conv_norm_out"), channels[0], config.normNumGroups(), config.normEps());
        convOut = Conv2dLayer.load(w.sub("conv_out"), channels[0], config.outChannels(), config.convOutKernel());
    }

    public UNetConfig config() {
        return config;
    }

    /**
     * @param sample latent [B, in_channels, H, W]
     * @param timestep one value for the batch (shape [] or [1]) or one per sample ([B]); any numeric type
     * @param encoderHiddenStates [B, tokens, cross_attention_dim]
     * @param classLabels [B] integer labels (x4 upscaler: the noise level), or null when the model has none
     * @return [B, out_channels, H, W], owned by {@code sample}'s manager; intermediates are freed
     */
    public NDArray forward(NDArray sample, NDArray timestep, NDArray encoderHiddenStates, NDArray classLabels) {
        if (config.hasClassEmbedding() && classLabels == null) {
            throw new IllegalArgumentException("this UNet needs class labels (num_class_embeds = "
                    + config.numClassEmbeds() + ")");
        }
        return ForwardScope.runSingle(sample.getManager(),
                temp -> run(temp, sample, timestep, encoderHiddenStates, classLabels));
    }

    /** As {@link #forward(NDArray, NDArray, NDArray, NDArray)} with one timestep for the whole batch. */
    public NDArray forward(NDArray sample, double timestep, NDArray encoderHiddenStates, NDArray classLabels) {
        try (NDManager temp = sample.getManager().newSubManager()) {
            return forward(sample, temp.create(new float[] {(float) timestep}), encoderHiddenStates, classLabels);
        }
    }

    private NDArray run(NDManager temp, NDArray sample, NDArray timestep, NDArray context, NDArray classLabels) {
        long batch = sample.getShape().get(0);
        DataType dtype = sample.getDataType(); // the sinusoid is float32 math, then follows the sample's type
        NDArray emb = timeEmbedding.forward(features(temp, perSample(timestep, batch)).toType(dtype, false));
        if (classLabels != null && config.hasClassEmbedding()) {
            emb = emb.add(classEmbedding(temp, classLabels, batch, dtype));
        }

        NDArray x = config.centerInputSample() ? sample.mul(2f).sub(1f) : sample;
        x = convIn.forward(x);
        List<NDArray> skips = new ArrayList<>();
        skips.add(x);
        for (DownBlock block : downBlocks) {
            x = block.forward(x, emb, context, skips);
        }
        if (midBlock != null) x = midBlock.forward(x, emb, context);

        // sizes that do not halve evenly at every level upsample to the matching skip's size instead of 2x
        boolean exactSizes = notDivisible(sample, 1L << (config.levels() - 1));
        for (UpBlock block : upBlocks) {
            List<NDArray> levelSkips = removeLast(skips, block.resnetCount());
            long[] size = exactSizes && !skips.isEmpty() ? spatialSize(skips.get(skips.size() - 1)) : null;
            x = block.forward(x, levelSkips, emb, context, size);
        }
        return convOut.forward(convNormOut.forwardSilu(x));
    }

    private static List<NDArray> removeLast(List<NDArray> list, int count) {
        List<NDArray> tail = list.subList(list.size() - count, list.size());
        List<NDArray> removed = new ArrayList<>(tail);
        tail.clear();
        return removed;
    }

    private static long[] spatialSize(NDArray x) {
        return new long[] {x.getShape().get(2), x.getShape().get(3)};
    }

    private static boolean notDivisible(NDArray sample, long factor) {
        return sample.getShape().get(2) % factor != 0 || sample.getShape().get(3) % factor != 0;
    }

    /** A [B] float32 vector of timesteps from a scalar or per-sample input. */
    private static NDArray perSample(NDArray timestep, long batch) {
        NDArray t = timestep.toType(DataType.FLOAT32, false);
        if (t.getShape().size() == 1) return t.reshape(1).broadcast(batch);
        if (t.getShape().dimension() != 1 || t.getShape().get(0) != batch) {
            throw new IllegalArgumentException("timestep must be a scalar or have one value per sample, got shape "
                    + timestep.getShape() + " for batch " + batch);
        }
        return t;
    }

    private NDArray features(NDManager temp, NDArray timesteps) {
        return TimestepEmbedding.sinusoid(temp, timesteps, config.timestepInputDim(), config.flipSinToCos(),
                config.freqShift());
    }

    private NDArray classEmbedding(NDManager temp, NDArray classLabels, long batch, DataType dtype) {
        if (classEmbeddingTable != null) {
            NDArray labels = classLabels.toType(DataType.INT64, false).reshape(-1);
            if (labels.getShape().get(0) == 1 && batch > 1) labels = labels.broadcast(batch);
            return classEmbeddingTable.get(new NDIndex("{}", labels)).toType(dtype, false);
        }
        if (classTimestepEmbedding != null) {
            return classTimestepEmbedding.forward(features(temp, perSample(classLabels, batch)).toType(dtype, false));
        }
        return classLabels.toType(dtype, false); // "identity"
    }
}
