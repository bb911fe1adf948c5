package org.sdij.nn.dpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2dTranspose;
import java.util.ArrayList;
import java.util.List;
import org.sdij.nn.Conv2dLayer;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.LinearLayer;
import org.sdij.nn.Ops;
import org.sdij.nn.Weights;

/**
 * The DPT neck for the hybrid (transformers' {@code DPTNeck}): reassemble (BiT stages 1 and 2 pass untouched; the
 * two encoder layers drop CLS into a readout projection, become maps of the patch grid and are projected and
 * resized), a 3x3 convolution of each to the fusion width, then the fusion stages deepest first, each doubling the
 * size. {@link #forward} returns the last fusion output, the head's input.
 */
final class DptNeck {

    /** ReLU - conv3x3 - ReLU - conv3x3, plus the input. */
    private record Residual(Conv2dLayer conv1, Conv2dLayer conv2) {
        static Residual load(Weights w, int width, boolean bias) {
            return new Residual(conv(w.sub("convolution1"), width, bias), conv(w.sub("convolution2"), width, bias));
        }

        private static Conv2dLayer conv(Weights w, int width, boolean bias) {
            return bias ? Conv2dLayer.load(w, width, width, 3) : Conv2dLayer.loadWithoutBias(w, width, width, 3, 1, 1);
        }

        NDArray forward(NDArray x) {
            NDArray h = conv1.forward(Activation.relu(x));
            return conv2.forward(Activation.relu(h)).addi(x);
        }
    }

    /** One fusion layer: (previous + residual1(level)), residual2, bilinear x2 (align corners), 1x1 projection. */
    private record Fusion(Residual residual1, Residual residual2, Conv2dLayer projection) {}

    /** The readout projection, 1x1 projection and resize of one encoder layer's tokens. */
    private record Reassemble(LinearLayer readout, Conv2dLayer projection, Conv2dLayer down, NDArray upKernel,
                              NDArray upBias, int upFactor) {}

    private final DptConfig config;
    private final Reassemble[] reassemble = new Reassemble[4];
    private final NDArray[] convs = new NDArray[4];
    private final List<Fusion> fusions = new ArrayList<>();

    DptNeck(DptConfig config, Weights neck) {
        this.config = config;
        int hidden = config.hiddenSize();
        int[] sizes = config.neckHiddenSizes();
        int bit1 = config.backbone().stageChannels(0);
        int bit2 = config.backbone().stageChannels(1);
        if (sizes[0] != bit1 || sizes[1] != bit2) {
            throw new IllegalArgumentException("DPT neck_hidden_sizes " + java.util.Arrays.toString(sizes)
                    + " must start with the BiT stage 1 and 2 widths " + bit1 + ", " + bit2);
        }
        Weights stage = neck.sub("reassemble_stage");
        for (int i = 2; i < 4; i++) {
            Weights layer = stage.sub("layers").sub(i);
            double factor = config.reassembleFactors()[i];
            Conv2dLayer down = null;
            NDArray upKernel = null;
            NDArray upBias = null;
            int up = 1;
            if (factor > 1) {
                up = (int) factor;
                upKernel = layer.sub("resize").get("weight", sizes[i], sizes[i], up, up);
                upBias = layer.sub("resize").get("bias", sizes[i]);
            } else if (factor < 1) {
                down = Conv2dLayer.load(layer.sub("resize"), sizes[i], sizes[i], 3, (int) (1 / factor), 1);
            }
            reassemble[i] = new Reassemble(
                    LinearLayer.load(stage.sub("readout_projects").sub(i).sub(0), 2 * hidden, hidden),
                    Conv2dLayer.load(layer.sub("projection"), hidden, sizes[i], 1, 1, 0), down, upKernel, upBias, up);
        }
        for (int i = 0; i < 4; i++) {
            convs[i] = neck.sub("convs").sub(i).get("weight", config.fusionHiddenSize(), sizes[i], 3, 3);
        }
        int width = config.fusionHiddenSize();
        for (int i = 0; i < 4; i++) {
            Weights layer = neck.sub("fusion_stage").sub("layers").sub(i);
            // the deepest layer has nothing to fuse: its residual_layer1 exists in checkpoints but is never run
            fusions.add(new Fusion(i == 0 ? null : Residual.load(layer.sub("residual_layer1"), width,
                    config.biasInFusion()), Residual.load(layer.sub("residual_layer2"), width, config.biasInFusion()),
                    Conv2dLayer.load(layer.sub("projection"), width, width, 1, 1, 0)));
        }
    }

    /** The weights the depth forward pass never reads, though every checkpoint holds them. */
    static boolean unused(String name, String prefix) {
        return name.startsWith(prefix + "fusion_stage.layers.0.residual_layer1.");
    }

    /** The last fusion output [B, fusion, 2 x grid ... ] for the four neck inputs. */
    NDArray forward(List<NDArray> inputs, DptForDepthEstimation.Taps taps) {
        NDArray[] features = new NDArray[4];
        for (int i = 0; i < 4; i++) {
            NDArray input = inputs.get(i);
            int level = i;
            NDArray map = i < 2 ? input : ForwardScope.block(() -> reassemble(input, reassemble[level], level, taps));
            taps.put("neck.reassemble." + i, map);
            features[i] = ForwardScope.block(() -> Ops.conv2d(map, convs[level], null, 1, 1));
            taps.put("neck.conv." + i, features[i]);
        }
        NDArray fused = null;
        for (int j = 0; j < 4; j++) {
            Fusion fusion = fusions.get(j);
            NDArray level = features[3 - j];
            NDArray previous = fused;
            fused = ForwardScope.block(() -> fuse(previous, level, fusion));
            taps.put("neck.fusion." + j, fused);
        }
        return fused;
    }

    private NDArray reassemble(NDArray tokens, Reassemble r, int level, DptForDepthEstimation.Taps taps) {
        Shape s = tokens.getShape();
        long batch = s.get(0);
        long count = s.get(1) - 1;
        long grid = Math.round(Math.sqrt(count));
        if (grid * grid != count) throw new IllegalArgumentException(count + " patch tokens do not form a square grid");
        NDArray cls = tokens.get(":, 0:1, :");
        NDArray patches = tokens.get(":, 1:, :");
        NDArray readout = Ops.gelu(r.readout().forward(
                NDArrays.concat(new NDList(patches, cls.broadcast(patches.getShape())), -1)));
        taps.put("neck.readout." + level, readout);
        NDArray map = readout.transpose(0, 2, 1).reshape(batch, config.hiddenSize(), grid, grid);
        NDArray projected = r.projection().forward(map);
        if (r.down() != null) return r.down().forward(projected);
        if (r.upKernel() != null) {
            return Conv2dTranspose.conv2dTranspose(projected, r.upKernel(), r.upBias(), new Shape(r.upFactor(),
                    r.upFactor()), new Shape(0, 0), new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
        }
        return projected;
    }

    private static NDArray fuse(NDArray previous, NDArray level, Fusion fusion) {
        NDArray h = level;
        if (previous != null) {
            if (!previous.getShape().equals(level.getShape())) {
                throw new IllegalArgumentException("DPT fusion: a " + previous.getShape() + " map meets a "
                        + level.getShape() + " one; the input size must give an even patch grid");
            }
            h = previous.add(fusion.residual1().forward(level));
        }
        h = fusion.residual2().forward(h);
        Shape s = h.getShape();
        return fusion.projection().forward(Bilinear.alignCorners(h, 2 * s.get(2), 2 * s.get(3)));
    }
}
