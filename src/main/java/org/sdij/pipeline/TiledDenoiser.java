package org.sdij.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A denoiser that runs another over overlapping tiles of its input and blends their predictions
 * ({@link LatentTiles}): the sampler then takes one step over the whole canvas, so noise (drawn once for
 * the canvas) and sampler state stay global and neighbouring tiles agree where they overlap. One tile
 * covering the canvas reproduces the untiled prediction exactly.
 */
final class TiledDenoiser implements Denoiser {
    private final Denoiser inner;
    private final int tile;
    private final int overlap;

    /** @param tile tile side in latent pixels; {@code overlap} at least 0 and less than {@code tile} */
    TiledDenoiser(Denoiser inner, int tile, int overlap) {
        LatentTiles.plan(1, 1, tile, overlap); // validates the pair
        this.inner = inner;
        this.tile = tile;
        this.overlap = overlap;
    }

    @Override
    public NDArray predict(NDArray sample, double timestep, NDArray context, NDArray classLabels) {
        Shape shape = sample.getShape();
        int batch = (int) shape.get(0);
        int channels = (int) shape.get(1);
        int height = (int) shape.get(2);
        int width = (int) shape.get(3);
        List<LatentTiles.Tile> tiles = LatentTiles.plan(height, width, tile, overlap);
        float[] canvas = sample.toType(DataType.FLOAT32, false).toFloatArray();
        LatentTiles.Blender blender = null;
        int outChannels = 0;
        DataType outType = sample.getDataType();
        for (LatentTiles.Tile t : tiles) {
            try (NDManager scope = sample.getManager().newSubManager()) {
                NDArray piece = scope.create(LatentTiles.crop(canvas, batch * channels, height, width, t),
                        new Shape(batch, channels, t.height(), t.width())).toType(sample.getDataType(), false);
                NDArray out = inner.predict(piece, timestep, context, classLabels);
                if (blender == null) {
                    outChannels = (int) out.getShape().get(1);
                    outType = out.getDataType();
                    blender = new LatentTiles.Blender(batch * outChannels, height, width, overlap);
                }
                blender.add(t, out.toType(DataType.FLOAT32, false).toFloatArray());
            }
        }
        return sample.getManager().create(blender.result(), new Shape(batch, outChannels, height, width))
                .toType(outType, false);
    }
}
