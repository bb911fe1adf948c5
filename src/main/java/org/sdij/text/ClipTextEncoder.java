package org.sdij.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.sdij.io.WeightFormatException;
import org.sdij.nn.Ops;
import org.sdij.nn.Weights;

/**
 * The CLIP text transformer (Hugging Face {@code CLIPTextModel}): token plus position embeddings, pre-norm
 * layers of causal self-attention and MLP, a final layer norm. The output is {@code last_hidden_state},
 * [batch, tokens, hidden_size], the conditioning the UNet cross-attends to.
 */
public final class ClipTextEncoder implements AutoCloseable {

    /** Saved by transformers as a buffer; the encoder makes its own positions. */
    static final String POSITION_IDS = "text_model.embeddings.position_ids";

    private record Linear(NDArray weight, NDArray bias) {
        static Linear of(Weights w, long out, long in) {
            return new Linear(w.get("weight", out, in), w.get("bias", out));
        }

        NDArray apply(NDArray x) {
            return Ops.linear(x, weight, bias);
        }
    }

    private record Norm(NDArray gamma, NDArray beta) {
        static Norm of(Weights w, long width) {
            return new Norm(w.get("weight", width), w.get("bias", width));
        }
    }

    private record Layer(Norm norm1, Linear q, Linear k, Linear v, Linear out, Norm norm2, Linear fc1, Linear fc2) {}

    private final ClipTextConfig config;
    private final DataType dtype;
    private final NDManager weightManager;
    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;
    private final List<Layer> layers = new ArrayList<>();
    private final Norm finalNorm;

    private ClipTextEncoder(ClipTextConfig config, Weights weights) {
        this.config = config;
        this.dtype = weights.dtype();
        this.weightManager = weights.manager();
        int width = config.hiddenSize();
        Weights text = weights.sub("text_model");
        Weights embeddings = text.sub("embeddings");
        tokenEmbedding = embeddings.sub("token_embedding").get("weight", config.vocabSize(), width);
        positionEmbedding = embeddings.sub("position_embedding").get("weight", config.maxPositionEmbeddings(), width);
        Weights encoder = text.sub("encoder").sub("layers");
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            Weights layer = encoder.sub(i);
            Weights attention = layer.sub("self_attn");
            Weights mlp = layer.sub("mlp");
            layers.add(new Layer(
                    Norm.of(layer.sub("layer_norm1"), width),
                    Linear.of(attention.sub("q_proj"), width, width),
                    Linear.of(attention.sub("k_proj"), width, width),
                    Linear.of(attention.sub("v_proj"), width, width),
                    Linear.of(attention.sub("out_proj"), width, width),
                    Norm.of(layer.sub("layer_norm2"), width),
                    Linear.of(mlp.sub("fc1"), config.intermediateSize(), width),
                    Linear.of(mlp.sub("fc2"), width, config.intermediateSize())));
        }
        finalNorm = Norm.of(text.sub("final_layer_norm"), width);
    }

    /**
     * Builds the encoder from HF-named weights ({@code text_model.*} under {@code weights}' prefix) and
     * fails with one message listing every missing, mis-shaped and unexpected tensor. The weights' manager
     * holds the parameters; {@link #close} releases them.
     */
    public static ClipTextEncoder load(ClipTextConfig config, Weights weights) throws WeightFormatException {
        ClipTextEncoder encoder = new ClipTextEncoder(config, weights);
        String positionIds = weights.prefix() + POSITION_IDS;
        try {
            weights.finish(positionIds::equals);
        } catch (WeightFormatException e) {
            encoder.close();
            throw e;
        }
        return encoder;
    }

    public ClipTextConfig config() {
        return config;
    }

    /** Hidden states [ids.length, tokens, hidden_size] on {@code manager}. */
    public NDArray encode(long[][] ids, NDManager manager) {
        int tokens = ids.length == 0 ? 0 : ids[0].length;
        long[] flat = new long[ids.length * tokens];
        for (int b = 0; b < ids.length; b++) {
            if (ids[b].length != tokens) {
                throw new IllegalArgumentException("id rows differ in length: " + ids[b].length + " and " + tokens);
            }
            System.arraycopy(ids[b], 0, flat, b * tokens, tokens);
        }
        return run(flat, ids.length, tokens, manager);
    }

    /** Hidden states [batch, tokens, hidden_size] for integer ids [batch, tokens], on the ids' manager. */
    public NDArray encode(NDArray ids) {
        Shape shape = ids.getShape();
        if (shape.dimension() != 2 || !ids.getDataType().isInteger()) {
            throw new IllegalArgumentException("token ids must be an integer [batch, tokens] array, not "
                    + ids.getDataType() + " " + shape);
        }
        long[] flat;
        if (ids.getDataType() == DataType.INT64) {
            flat = ids.toLongArray();
        } else {
            try (NDArray longs = ids.toType(DataType.INT64, false)) {
                flat = longs.toLongArray();
            }
        }
        return run(flat, (int) shape.get(0), (int) shape.get(1), ids.getManager());
    }

    /**
     * Every intermediate array lives in a scratch sub-manager (each op's result belongs to its first
     * operand's manager, and the first operand is always scratch-owned); only the result moves out.
     */
    private NDArray run(long[] flatIds, int batch, int tokens, NDManager resultManager) {
        checkIds(flatIds, batch, tokens);
        try (NDManager scratch = weightManager.newSubManager()) {
            NDArray ids = scratch.create(flatIds, new Shape(batch, tokens));
            NDArray result = forward(ids, scratch);
            result.attach(resultManager);
            return result;
        }
    }

    private NDArray forward(NDArray ids, NDManager scratch) {
        long batch = ids.getShape().get(0);
        int tokens = (int) ids.getShape().get(1);
        NDArray positions = scratch.arange(0L, (long) tokens, 1L, DataType.INT64).reshape(1, tokens);
        NDArray x = embed(ids, tokenEmbedding).add(embed(positions, positionEmbedding));
        NDArray causalMask = causalMask(tokens, scratch);
        for (Layer layer : layers) {
            // a layer's intermediates (and its input) die with the layer, so only one layer's worth is alive
            try (NDManager step = scratch.newSubManager()) {
                x.attach(step);
                NDArray next = layer(x, layer, causalMask, batch, tokens);
                next.attach(scratch);
                x = next;
            }
        }
        return layerNorm(x, finalNorm);
    }

    /** Pre-norm residual block: x + attention(norm1(x)), then h + mlp(norm2(h)). */
    private NDArray layer(NDArray x, Layer layer, NDArray causalMask, long batch, int tokens) {
        NDArray h = x.add(selfAttention(layerNorm(x, layer.norm1()), layer, causalMask, batch, tokens));
        NDArray hidden = activation(layer.fc1().apply(layerNorm(h, layer.norm2())));
        return h.add(layer.fc2().apply(hidden));
    }

    private NDArray embed(NDArray ids, NDArray table) {
        return Ops.embedding(ids, table, dtype);
    }

    private NDArray selfAttention(NDArray x, Layer layer, NDArray causalMask, long batch, int tokens) {
        int heads = config.numAttentionHeads();
        int headDim = config.headDim();
        NDArray q = splitHeads(layer.q().apply(x), batch, tokens, heads, headDim);
        NDArray k = splitHeads(layer.k().apply(x), batch, tokens, heads, headDim);
        NDArray v = splitHeads(layer.v().apply(x), batch, tokens, heads, headDim);
        NDArray attended = Ops.attention(q, k, v, (float) (1.0 / Math.sqrt(headDim)), causalMask);
        NDArray merged = attended.reshape(batch, heads, tokens, headDim).transpose(0, 2, 1, 3)
                .reshape(batch, tokens, (long) heads * headDim);
        return layer.out().apply(merged);
    }

    /** [B, T, H*D] to [B*H, T, D]. */
    private static NDArray splitHeads(NDArray x, long batch, int tokens, int heads, int headDim) {
        return x.reshape(batch, tokens, heads, headDim).transpose(0, 2, 1, 3).reshape(batch * heads, tokens, headDim);
    }

    /** Additive [1, T, T] mask: a token attends to itself and the tokens before it. */
    private NDArray causalMask(int tokens, NDManager scratch) {
        float[] mask = new float[tokens * tokens];
        for (int row = 0; row < tokens; row++) {
            for (int col = row + 1; col < tokens; col++) mask[row * tokens + col] = Float.NEGATIVE_INFINITY;
        }
        NDArray m = scratch.create(mask, new Shape(1, tokens, tokens));
        return m.getDataType() == dtype ? m : m.toType(dtype, false);
    }

    private NDArray layerNorm(NDArray x, Norm norm) {
        return Ops.layerNorm(x, norm.gamma(), norm.beta(), config.layerNormEps());
    }

    private NDArray activation(NDArray x) {
        return switch (config.hiddenAct()) {
            case QUICK_GELU -> Ops.quickGelu(x);
            case GELU -> Ops.gelu(x);
        };
    }

    private void checkIds(long[] flatIds, int batch, int tokens) {
        if (batch <= 0 || tokens <= 0) throw new IllegalArgumentException("no token ids to encode");
        if (tokens > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(tokens + " tokens exceed the encoder's "
                    + config.maxPositionEmbeddings() + " positions");
        }
        for (long id : flatIds) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of "
                        + config.vocabSize());
            }
        }
    }

    /** Releases the parameters (the weights' manager itself stays open). */
    @Override
    public void close() {
        tokenEmbedding.close();
        positionEmbedding.close();
        for (Layer l : layers) {
            for (NDArray a : new NDArray[] {l.norm1().gamma(), l.norm1().beta(), l.q().weight(), l.q().bias(),
                    l.k().weight(), l.k().bias(), l.v().weight(), l.v().bias(), l.out().weight(), l.out().bias(),
                    l.norm2().gamma(), l.norm2().beta(), l.fc1().weight(), l.fc1().bias(), l.fc2().weight(),
                    l.fc2().bias()}) {
                a.close();
            }
        }
        finalNorm.gamma().close();
        finalNorm.beta().close();
    }
}
