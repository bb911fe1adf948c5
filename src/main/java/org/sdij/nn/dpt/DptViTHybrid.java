package org.sdij.nn.dpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import org.sdij.nn.Conv2dLayer;
import org.sdij.nn.ForwardScope;
import org.sdij.nn.LayerNormLayer;
import org.sdij.nn.LinearLayer;
import org.sdij.nn.Ops;
import org.sdij.nn.Weights;

/**
 * The encoder of DPT-Hybrid (transformers' {@code DPTModel} with {@code DPTViTHybridEmbeddings}): the BiT
 * backbone, a 1x1 projection of its last stage into tokens, a CLS token and position embeddings, then pre-norm ViT
 * layers. {@link #forward} hands the neck its four inputs: BiT stages 1 and 2 and the outputs of the two encoder
 * layers {@code backbone_out_indices[2..3]} (before {@code dpt.layernorm}, which depth estimation never applies).
 */
final class DptViTHybrid {

    private record Layer(LayerNormLayer before, LinearLayer query, LinearLayer key, LinearLayer value,
                         LinearLayer output, LayerNormLayer after, LinearLayer intermediate, LinearLayer out) {}

    private final DptConfig config;
    private final BitBackbone backbone;
    private final Conv2dLayer projection;
    private final NDArray clsToken;
    private final NDArray positionEmbeddings;
    private final List<Layer> layers = new ArrayList<>();

    DptViTHybrid(DptConfig config, Weights dpt) {
        this.config = config;
        int width = config.hiddenSize();
        Weights embeddings = dpt.sub("embeddings");
        backbone = new BitBackbone(config.backbone(), embeddings.sub("backbone").sub("bit"));
        int features = config.backboneFeatureChannels() > 0 ? config.backboneFeatureChannels()
                : config.backbone().stageChannels(2);
        projection = Conv2dLayer.load(embeddings.sub("projection"), features, width, 1, 1, 0);
        clsToken = embeddings.get("cls_token", 1, 1, width);
        positionEmbeddings = embeddings.get("position_embeddings", 1, (long) config.grid() * config.grid() + 1, width);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            Weights layer = dpt.sub("encoder").sub("layer").sub(i);
            Weights attention = layer.sub("attention");
            layers.add(new Layer(
                    LayerNormLayer.load(layer.sub("layernorm_before"), width, config.layerNormEps()),
                    linear(attention.sub("attention").sub("query"), width, width),
                    linear(attention.sub("attention").sub("key"), width, width),
                    linear(attention.sub("attention").sub("value"), width, width),
                    LinearLayer.load(attention.sub("output").sub("dense"), width, width),
                    LayerNormLayer.load(layer.sub("layernorm_after"), width, config.layerNormEps()),
                    LinearLayer.load(layer.sub("intermediate").sub("dense"), width, config.intermediateSize()),
                    LinearLayer.load(layer.sub("output").sub("dense"), config.intermediateSize(), width)));
        }
    }

    private LinearLayer linear(Weights w, int in, int out) {
        return config.qkvBias() ? LinearLayer.load(w, in, out) : LinearLayer.loadWithoutBias(w, in, out);
    }

    /** BiT stage 1, BiT stage 2, and the two chosen encoder layers' tokens [B, 1 + grid^2, hidden]. */
    List<NDArray> forward(NDArray pixels, DptForDepthEstimation.Taps taps) {
        long batch = pixels.getShape().get(0);
        List<NDArray> stages = backbone.forward(pixels, taps);
        NDArray tokens = ForwardScope.block(() -> {
            NDArray projected = projection.forward(stages.get(2));
            long grid = projected.getShape().get(2) * projected.getShape().get(3);
            if (grid + 1 != positionEmbeddings.getShape().get(1)) {
                throw new IllegalArgumentException("the backbone made " + grid + " tokens; the position embeddings"
                        + " hold " + (positionEmbeddings.getShape().get(1) - 1));
            }
            NDArray patches = projected.reshape(batch, config.hiddenSize(), grid).transpose(0, 2, 1);
            NDArray cls = clsToken.broadcast(batch, 1, config.hiddenSize());
            return NDArrays.concat(new NDList(cls, patches), 1).add(positionEmbeddings);
        });
        taps.put("vit.embeddings", tokens);
        List<NDArray> neckInputs = new ArrayList<>(List.of(stages.get(0), stages.get(1)));
        NDArray[] chosen = new NDArray[2];
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            NDArray input = tokens;
            tokens = ForwardScope.block(() -> layer(input, layer));
            taps.put("vit.layer" + i, tokens);
            for (int j = 0; j < 2; j++) {
                if (config.backboneOutIndices()[2 + j] == i) chosen[j] = tokens;
            }
        }
        neckInputs.add(chosen[0]);
        neckInputs.add(chosen[1]);
        return neckInputs;
    }

    /** x + attention(norm(x)), then h + mlp(norm(h)). */
    private NDArray layer(NDArray x, Layer layer) {
        NDArray h = x.add(layer.output().forward(selfAttention(layer.before().forward(x), layer)));
        NDArray hidden = Ops.gelu(layer.intermediate().forward(layer.after().forward(h)));
        return h.add(layer.out().forward(hidden));
    }

    private NDArray selfAttention(NDArray x, Layer layer) {
        long batch = x.getShape().get(0);
        long tokens = x.getShape().get(1);
        int heads = config.numAttentionHeads();
        int headDim = config.headDim();
        NDArray q = split(layer.query().forward(x), batch, tokens, heads, headDim);
        NDArray k = split(layer.key().forward(x), batch, tokens, heads, headDim);
        NDArray v = split(layer.value().forward(x), batch, tokens, heads, headDim);
        NDArray attended = Ops.attention(q, k, v, (float) (1.0 / Math.sqrt(headDim)), null);
        return attended.reshape(batch, heads, tokens, headDim).transpose(0, 2, 1, 3)
                .reshape(batch, tokens, (long) heads * headDim);
    }

    /** [B, T, H*D] to [B*H, T, D]. */
    private static NDArray split(NDArray x, long batch, long tokens, int heads, int headDim) {
        return x.reshape(batch, tokens, heads, headDim).transpose(0, 2, 1, 3).reshape(batch * heads, tokens, headDim);
    }
}
