package org.sdij.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.concurrent.atomic.LongAdder;

/**
 * The tensor operations the networks are built from, composed from DJL where DJL lacks them
 * (group norm, SiLU, attention). Every conv, linear and matmul adds its multiply-adds x 2 to
 * {@link #FLOPS}, which the benchmark reads.
 *
 * <p>Weights may be stored in a narrower type than the activations (float16 weights, float32 compute: see
 * {@link Weights#of(org.sdij.io.TensorSource, ai.djl.ndarray.NDManager, DataType, DataType)}). Every op that
 * takes a weight then converts it to the activations' type just before use (a matrix or kernel into one reused
 * {@link WideningBuffer}, a bias or norm scale into a fresh copy) and gives the copy up just after, so at most
 * one widened matrix exists at a time. Weights of the activations' type are used as they are.
 */
public final class Ops {
    private Ops() {}

    /** Floating-point operations issued by conv/linear/matmul since the last reset. */
    public static final LongAdder FLOPS = new LongAdder();

    /**
     * Attention's score matrices are computed in chunks of at most this many elements (16 MB in float32:
     * below glibc's largest mmap threshold, so they are reused rather than mapped and zero-filled afresh).
     */
    private static volatile long attentionChunkElements = 1L << 22;

    public static void setAttentionChunkElements(long elements) {
        attentionChunkElements = Math.max(1, elements);
    }

    /** y = x W^T + b over the last dimension; {@code bias} may be null. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        Shape ws = weight.getShape();
        FLOPS.add(2L * (x.getShape().size() / ws.get(1)) * ws.get(0) * ws.get(1));
        NDArray w = widen(x, weight);
        NDArray b = like(x, bias);
        try {
            return Linear.linear(x, w, b).singletonOrThrow();
        } finally {
            unwiden(w, weight);
            release(b, bias);
        }
    }

    /** 2-D convolution, NCHW, square stride and padding; {@code bias} may be null. */
    public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
        NDArray w = widen(x, weight);
        NDArray b = like(x, bias);
        NDArray y;
        try {
            y = Conv2d.conv2d(x, w, b, new Shape(stride, stride), new Shape(padding, padding),
                    new Shape(1, 1), 1).singletonOrThrow();
        } finally {
            unwiden(w, weight);
            release(b, bias);
        }
        Shape ws = weight.getShape();
        Shape ys = y.getShape();
        FLOPS.add(2L * ys.get(0) * ys.get(1) * ys.get(2) * ys.get(3) * ws.get(1) * ws.get(2) * ws.get(3));
        return y;
    }

    /** Batched matrix product over the last two dimensions. */
    public static NDArray matMul(NDArray a, NDArray b) {
        Shape as = a.getShape();
        Shape bs = b.getShape();
        long batch = as.size() / (as.get(as.dimension() - 2) * as.get(as.dimension() - 1));
        FLOPS.add(2L * batch * as.get(as.dimension() - 2) * as.get(as.dimension() - 1) * bs.get(bs.dimension() - 1));
        return a.matMul(b);
    }

    /** Layer norm over the last dimension. */
    public static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, double eps) {
        long width = x.getShape().get(x.getShape().dimension() - 1);
        NDArray g = like(x, gamma);
        NDArray b = like(x, beta);
        try {
            return LayerNorm.layerNorm(x, new Shape(width), g, b, (float) eps).singletonOrThrow();
        } finally {
            release(g, gamma);
            release(b, beta);
        }
    }

    /**
     * Group norm over NC... input: normalise each group of channels (with all spatial positions)
     * as a layer norm over a reshape, then apply the per-channel affine transform.
     */
    public static NDArray groupNorm(NDArray x, int groups, NDArray gamma, NDArray beta, double eps) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long perGroup = s.size() / (n * groups);
        NDArray grouped = x.reshape(n, groups, perGroup);
        NDArray ones = x.getManager().ones(new Shape(perGroup), x.getDataType());
        NDArray zeros = x.getManager().zeros(new Shape(perGroup), x.getDataType());
        NDArray flatNormed = LayerNorm.layerNorm(grouped, new Shape(perGroup), ones, zeros, (float) eps)
                .singletonOrThrow();
        NDArray normed = flatNormed.reshape(s);
        // the reshaped view keeps the values alive; left open, this handle would keep them (as large as x)
        // until the enclosing scope ends, whenever the caller closes the view
        flatNormed.close();
        ones.close();
        zeros.close();
        long[] affineShape = new long[s.dimension()];
        java.util.Arrays.fill(affineShape, 1);
        affineShape[1] = c;
        // the normalised array is ours: the affine transform goes in place instead of into two more copies
        NDArray g = like(x, gamma);
        NDArray b = like(x, beta);
        NDArray scale = g.reshape(affineShape);
        NDArray shift = b.reshape(affineShape);
        try {
            return normed.muli(scale).addi(shift);
        } finally {
            scale.close(); // views: a widened copy's values would live as long as they do
            shift.close();
            release(g, gamma);
            release(b, beta);
        }
    }

    /** x * sigmoid(x), multiplied into the fresh sigmoid array. */
    public static NDArray silu(NDArray x) {
        return Activation.sigmoid(x).muli(x);
    }

    /** Exact (erf) GELU, as torch's default. */
    public static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /** OpenAI CLIP's x * sigmoid(1.702 x). */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(x.mul(1.702f)));
    }

    /**
     * softmax(q k^T * scale [+ mask]) v for q [B, Lq, D], k and v [B, Lk, D] (B = batch x heads).
     * {@code mask} ([Lq or 1, Lk], or [B or 1, Lq or 1, Lk], additive) may be null. The scale is applied
     * to q (Lq x D numbers) rather than to the scores (Lq x Lk).
     *
     * <p>The work is cut into chunks of a few heads and a block of query rows each, so that every score
     * matrix has at most {@link #attentionChunkElements()} elements: a small score matrix is recycled by
     * the allocator and stays in cache, where a large one is fresh memory that the OS zero-fills on every
     * call (at 512x512 that page-faulting cost as much as the arithmetic). Whole heads are kept together
     * before rows are split, so the matrix products stay large enough to run at full speed.
     */
    public static NDArray attention(NDArray q, NDArray k, NDArray v, float scale, NDArray mask) {
        long batch = q.getShape().get(0);
        long queries = q.getShape().get(1);
        long keys = k.getShape().get(1);
        long rows = Math.min(queries, Math.max(1, attentionChunkElements / keys));
        long heads = Math.min(batch, Math.max(1, attentionChunkElements / (rows * keys)));
        NDArray scaledQ = q.mul(scale);
        NDArray kt = k.transpose(0, 2, 1);
        NDList groups = new NDList();
        for (long head = 0; head < batch; head += heads) {
            String headRange = head + ":" + Math.min(batch, head + heads);
            boolean allHeads = heads == batch;
            NDArray groupKt = allHeads ? kt : kt.get(headRange);
            NDArray groupV = allHeads ? v : v.get(headRange);
            NDList blocks = new NDList();
            for (long row = 0; row < queries; row += rows) {
                String rowRange = row + ":" + Math.min(queries, row + rows);
                boolean allRows = rows == queries;
                NDArray chunkQ = allHeads && allRows ? scaledQ : scaledQ.get(headRange + ", " + rowRange);
                NDArray chunkMask = mask == null ? null : maskChunk(mask, batch, allHeads ? null : headRange,
                        allRows ? null : rowRange);
                blocks.add(attendRows(chunkQ, groupKt, groupV, chunkMask));
                if (chunkQ != scaledQ) chunkQ.close();
                if (chunkMask != null && chunkMask != mask) chunkMask.close();
            }
            groups.add(concatAndClose(blocks, 1));
            if (groupKt != kt) groupKt.close();
            if (groupV != v) groupV.close();
        }
        NDArray out = concatAndClose(groups, 0);
        scaledQ.close();
        kt.close();
        return out;
    }

    /** The part of an additive attention mask that a chunk of heads and query rows sees. */
    private static NDArray maskChunk(NDArray mask, long batch, String headRange, String rowRange) {
        Shape s = mask.getShape();
        int dims = s.dimension();
        boolean perHead = dims == 3 && s.get(0) == batch && batch > 1;
        boolean perRow = s.get(dims - 2) > 1;
        String heads = perHead && headRange != null ? headRange : ":";
        String rows = perRow && rowRange != null ? rowRange : ":";
        if (heads.equals(":") && rows.equals(":")) return mask;
        return mask.get(dims == 3 ? heads + ", " + rows + ", :" : rows + ", :");
    }

    /** One array as it is; several concatenated along {@code axis}, and then closed. */
    private static NDArray concatAndClose(NDList parts, int axis) {
        if (parts.size() == 1) return parts.get(0);
        NDArray out = NDArrays.concat(parts, axis);
        parts.close();
        return out;
    }

    /**
     * One chunk of attention. Every intermediate is closed as soon as it is used (and the mask acts in
     * place on the fresh score matrix): otherwise each chunk's score matrices would live as long as the
     * caller's manager and chunking would not bound memory at all.
     */
    private static NDArray attendRows(NDArray scaledQ, NDArray kt, NDArray v, NDArray mask) {
        NDArray scores = matMul(scaledQ, kt);
        if (mask != null) scores.addi(mask);
        NDArray probabilities = scores.softmax(-1);
        scores.close();
        NDArray out = matMul(probabilities, v);
        probabilities.close();
        return out;
    }

    /**
     * Nearest-neighbour resize of NCHW input to {@code height x width}, picking source rows and columns as
     * torch's {@code interpolate(mode="nearest")} does: floor(dst * (float) in / out). Exact doubling (the
     * common case) is one broadcast copy.
     */
    public static NDArray upsampleNearest(NDArray x, long height, long width) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        if (height == 2 * h && width == 2 * w) {
            return x.reshape(n, c, h, 1, w, 1).broadcast(n, c, h, 2, w, 2).reshape(n, c, height, width);
        }
        NDArray rows = x.getManager().create(nearestSourceIndex(h, height));
        NDArray cols = x.getManager().create(nearestSourceIndex(w, width));
        return x.get(new NDIndex(":, :, {}", rows)).get(new NDIndex(":, :, :, {}", cols));
    }

    private static long[] nearestSourceIndex(long in, long out) {
        float scale = (float) in / out;
        long[] index = new long[(int) out];
        for (int i = 0; i < out; i++) {
            index[i] = Math.min((long) Math.floor(i * scale), in - 1);
        }
        return index;
    }

    /** The current attention chunk limit (see {@link #setAttentionChunkElements}). */
    public static long attentionChunkElements() {
        return attentionChunkElements;
    }

    /** SiLU of the group norm, freeing the normalised array as soon as it is used (it is as large as x). */
    public static NDArray groupNormSilu(NDArray x, int groups, NDArray gamma, NDArray beta, double eps) {
        NDArray normed = groupNorm(x, groups, gamma, beta, eps);
        NDArray out = silu(normed);
        normed.close();
        return out;
    }

    /**
     * Rows of an embedding table for integer ids, in {@code dtype}: gathered in the table's own type and
     * only then widened, so a float16 table is never widened whole (the conversion is exact either way).
     */
    public static NDArray embedding(NDArray ids, NDArray table, DataType dtype) {
        NDArray rows = Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
        if (rows.getDataType() == dtype) return rows;
        try (rows) {
            return rows.toType(dtype, false);
        }
    }

    /**
     * A matrix or kernel in the activations' type: the weight itself, or its widened copy in the one reused
     * {@link WideningBuffer}, to be handed back with {@link #unwiden} as soon as the op has used it.
     */
    private static NDArray widen(NDArray activations, NDArray weight) {
        if (weight.getDataType() == activations.getDataType()) return weight;
        return WideningBuffer.widen(weight, activations.getDataType());
    }

    private static void unwiden(NDArray used, NDArray weight) {
        if (used != weight) WideningBuffer.done(used);
    }

    /** Frees the buffer widened weights are copied into (made again when next needed). */
    public static void freeWideningBuffer() {
        WideningBuffer.free();
    }

    /** The size of the buffer widened weights are copied into, 0 when there is none. */
    public static long wideningBufferBytes() {
        return WideningBuffer.bytes();
    }

    /** A small weight (bias, norm scale) in the activations' type: itself, or a fresh copy for {@link #release}. */
    private static NDArray like(NDArray activations, NDArray weight) {
        if (weight == null || weight.getDataType() == activations.getDataType()) return weight;
        return weight.toType(activations.getDataType(), false);
    }

    /** Frees a copy {@link #like} made (never the weight itself). */
    private static void release(NDArray used, NDArray weight) {
        if (used != weight) used.close();
    }

    /**
     * Elements of one piece when a layer works on a large activation in pieces (16 MB in float32, below glibc's
     * mmap threshold, so a piece's temporaries are reused heap memory rather than fresh pages the kernel must
     * fault in and zero); activations of up to four pieces are processed whole.
     */
    public static final long PIECE_ELEMENTS = 1L << 22;

    private static volatile long pieceElements = PIECE_ELEMENTS;

    /**
     * Sets the piece size of {@link #conv2dInBands} and {@link #groupNormSiluInChunks}; 0 or less processes every
     * activation whole (the decoder as it ran before pieces were the default: for the benchmark and the tests).
     */
    public static void setPieceElements(long elements) {
        pieceElements = elements;
    }

    /** The current piece size ({@link #setPieceElements}). */
    public static long pieceElements() {
        return pieceElements;
    }

    /**
     * {@link #conv2d} computed a band of output rows at a time when {@code x} is larger than four pieces: each
     * band reads its input rows (with the kernel's reach, and zero rows past the edges) and is written into the
     * output. libtorch's working copies of a convolution's input (its reorder into a blocked layout) are then
     * one band's, not the whole input's: at the VAE decoder's full resolution that is hundreds of MB. The same
     * sums as one convolution, though libtorch may order them differently (a float32 rounding apart).
     */
    public static NDArray conv2dInBands(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
        return conv2dInBands(x, weight, bias, stride, padding, pieceElements);
    }

    static NDArray conv2dInBands(NDArray x, NDArray weight, NDArray bias, int stride, int padding, long piece) {
        Shape s = x.getShape();
        if (piece <= 0 || s.size() <= 4 * piece) return conv2d(x, weight, bias, stride, padding);
        long n = s.get(0);
        long h = s.get(2);
        long w = s.get(3);
        long k = weight.getShape().get(2);
        long outH = (h + 2L * padding - k) / stride + 1;
        long outW = (w + 2L * padding - k) / stride + 1;
        long rowsPerBand = Math.max(1, piece / (n * s.get(1) * w * stride));
        NDArray wide = widen(x, weight);
        NDArray wideBias = like(x, bias);
        NDArray out = x.getManager().create(new Shape(n, weight.getShape().get(0), outH, outW), x.getDataType());
        try {
            for (long o0 = 0; o0 < outH; o0 += rowsPerBand) {
                long o1 = Math.min(outH, o0 + rowsPerBand);
                long first = o0 * stride - padding; // the band's first input row, negative in the top padding
                long end = (o1 - 1) * stride - padding + k; // one past its last, beyond h in the bottom padding
                long from = Math.max(0, first);
                long to = Math.min(h, end);
                try (NDArray rows = x.get(":, :, " + from + ":" + to);
                     NDArray padded = rows.pad(new Shape(padding, padding, from - first, end - to), 0);
                     NDArray band = conv2d(padded, wide, wideBias, stride, 0)) {
                    out.set(new NDIndex(":, :, " + o0 + ":" + o1), band);
                }
            }
        } catch (RuntimeException e) {
            out.close();
            throw e;
        } finally {
            unwiden(wide, weight);
            release(wideBias, bias);
        }
        return out;
    }

    /**
     * {@link #groupNormSilu} computed a few groups at a time when {@code x} is larger than four pieces, each
     * written into the output: groups are normalised independently, so the numbers are the same (to float32
     * rounding: libtorch's vectorised norm may round a row differently in a smaller batch of rows), and the
     * temporaries (normalised values, sigmoid) are a piece's instead of two more arrays as large as {@code x}.
     */
    public static NDArray groupNormSiluInChunks(NDArray x, int groups, NDArray gamma, NDArray beta, double eps) {
        return groupNormSiluInChunks(x, groups, gamma, beta, eps, pieceElements);
    }

    static NDArray groupNormSiluInChunks(NDArray x, int groups, NDArray gamma, NDArray beta, double eps, long piece) {
        Shape s = x.getShape();
        if (piece <= 0 || s.size() <= 4 * piece) return groupNormSilu(x, groups, gamma, beta, eps);
        long channelsPerGroup = s.get(1) / groups;
        int groupsPerChunk = (int) Math.max(1, piece / (s.size() / groups));
        NDArray out = x.getManager().create(s, x.getDataType());
        try {
            for (int g0 = 0; g0 < groups; g0 += groupsPerChunk) {
                int g1 = Math.min(groups, g0 + groupsPerChunk);
                String channels = g0 * channelsPerGroup + ":" + g1 * channelsPerGroup;
                try (NDArray part = x.get(":, " + channels);
                     NDArray partGamma = gamma.get(channels);
                     NDArray partBeta = beta.get(channels);
                     NDArray y = groupNormSilu(part, g1 - g0, partGamma, partBeta, eps)) {
                    out.set(new NDIndex(":, " + channels), y);
                }
            }
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }
}
