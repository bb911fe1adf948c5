package org.sdij.nn.dpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.sdij.io.WeightFormatException;
import org.sdij.nn.Conv2dLayer;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.Weights;

/**
 * DPT-Hybrid monocular depth (transformers' {@code DPTForDepthEstimation} with {@code is_hybrid}, MiDaS v3
 * {@code dpt_hybrid}): the hybrid ViT encoder, the neck, and the depth head (3x3 conv to half the fusion width,
 * bilinear x2, 3x3 conv to 32, ReLU, 1x1 conv to 1, ReLU). The output is relative inverse depth, larger = nearer,
 * [B, H, W] at the input's size.
 */
public final class DptForDepthEstimation implements AutoCloseable {

    /** Receives named intermediate tensors (the golden tests' hooks); {@link #NONE} keeps nothing. */
    @FunctionalInterface
    public interface Taps {
        void put(String name, NDArray value);

        Taps NONE = (name, value) -> {};
    }

    private final DptConfig config;
    private final NDManager weightManager;
    private final DptViTHybrid encoder;
    private final DptNeck neck;
    private final Conv2dLayer projection;
    private final Conv2dLayer conv1;
    private final Conv2dLayer conv2;
    private final Conv2dLayer conv3;

    private DptForDepthEstimation(DptConfig config, Weights weights) {
        this.config = config;
        this.weightManager = weights.manager();
        encoder = new DptViTHybrid(config, weights.sub("dpt"));
        neck = new DptNeck(config, weights.sub("neck"));
        Weights head = weights.sub("head");
        int width = config.fusionHiddenSize();
        projection = config.addProjection() ? Conv2dLayer.load(head.sub("projection"), 256, 256, 3) : null;
        conv1 = Conv2dLayer.load(head.sub("head").sub(0), width, width / 2, 3);
        conv2 = Conv2dLayer.load(head.sub("head").sub(2), width / 2, 32, 3);
        conv3 = Conv2dLayer.load(head.sub("head").sub(4), 32, 1, 1, 1, 0);
    }

    /**
     * Builds the network from transformers-named weights ({@code dpt.*}, {@code neck.*}, {@code head.*} under
     * {@code weights}' prefix) and fails with one message listing every missing, mis-shaped and unexpected
     * tensor. Accepted unused: {@code dpt.layernorm.*} and the deepest fusion layer's {@code residual_layer1},
     * which every checkpoint holds and the depth forward pass never reads.
     */
    public static DptForDepthEstimation load(DptConfig config, Weights weights) throws WeightFormatException {
        DptForDepthEstimation model = new DptForDepthEstimation(config, weights);
        String prefix = weights.prefix();
        weights.finish(name -> name.startsWith(prefix + "dpt.layernorm.") || DptNeck.unused(name, prefix + "neck."));
        return model;
    }

    public DptConfig config() {
        return config;
    }

    /** Predicted depth [B, H, W] on {@code pixels}' manager, for pixel values [B, 3, image_size, image_size]. */
    public NDArray predict(NDArray pixels) {
        return predict(pixels, Taps.NONE);
    }

    public NDArray predict(NDArray pixels, Taps taps) {
        Shape s = pixels.getShape();
        if (s.dimension() != 4 || s.get(1) != config.backbone().numChannels()) {
            throw new IllegalArgumentException("DPT input must be [batch, " + config.backbone().numChannels()
                    + ", H, W], not " + s);
        }
        if (s.get(2) != config.imageSize() || s.get(3) != config.imageSize()) {
            throw new IllegalArgumentException("DPT input of " + s.get(3) + "x" + s.get(2) + " does not match the"
                    + " model's " + config.imageSize() + "x" + config.imageSize()
                    + " (its position embeddings are for that grid)");
        }
        return ForwardScope.runSingle(pixels.getManager(), scratch -> {
            NDArray fused = neck.forward(encoder.forward(pixels, taps), taps);
            return ForwardScope.block(() -> {
                NDArray h = projection == null ? fused : Activation.relu(projection.forward(fused));
                h = conv1.forward(h);
                taps.put("head.conv1", h);
                Shape hs = h.getShape();
                h = Activation.relu(conv2.forward(Bilinear.alignCorners(h, 2 * hs.get(2), 2 * hs.get(3))));
                NDArray depth = Activation.relu(conv3.forward(h));
                Shape ds = depth.getShape();
                return depth.reshape(ds.get(0), ds.get(2), ds.get(3));
            });
        });
    }

    /** Releases the parameters (closes the weights' manager, which this network owns). */
    @Override
    public void close() {
        weightManager.close();
    }
}
