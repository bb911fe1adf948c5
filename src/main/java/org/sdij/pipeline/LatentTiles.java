package org.sdij.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * Overlapping tiles over a large canvas, and blending the per-tile results back into one: for denoising
 * latents in tiles (the x4 upscaler on big inputs) and for decoding them with the VAE in tiles (the same
 * tiles scaled by the VAE factor, 4 or 8).
 *
 * <p>The blend weight of a tile is 1 except within {@code ramp} pixels of an edge it shares with another
 * tile, where it falls linearly, (d + 0.5) / ramp at distance d from that edge; edges on the canvas border
 * are not ramped. Each output pixel is the weighted mean of the tiles covering it. Because planned tiles
 * overlap by at least the ramp, a pixel covered by one tile has weight exactly 1 and gets that tile's value
 * unchanged: one tile reproduces the untiled result bit for bit, and in an overlap exactly as wide as the
 * ramp the two weights add up to 1, so the hand-over is a straight line and leaves no seam.
 */
public final class LatentTiles {
    private LatentTiles() {}

    /** Rows [y, y + height) and columns [x, x + width) of a canvas. */
    public record Tile(int y, int x, int height, int width) {
        public Tile {
            if (y < 0 || x < 0 || height <= 0 || width <= 0) {
                throw new IllegalArgumentException("tile " + width + "x" + height + " at " + x + "," + y);
            }
        }

        /** The same region at {@code factor} times the resolution: a latent tile's pixels after decoding. */
        public Tile scaled(int factor) {
            return new Tile(y * factor, x * factor, height * factor, width * factor);
        }
    }

    /**
     * Tiles of tile x tile (smaller only where the canvas is) covering the canvas, row by row, neighbours
     * overlapping by at least {@code overlap}, spread evenly so the last one ends on the canvas border.
     * A canvas no larger than a tile gets one tile, the canvas itself.
     */
    public static List<Tile> plan(int canvasHeight, int canvasWidth, int tile, int overlap) {
        if (canvasHeight <= 0 || canvasWidth <= 0) {
            throw new IllegalArgumentException("canvas " + canvasWidth + "x" + canvasHeight);
        }
        if (tile <= 0 || overlap < 0 || overlap >= tile) {
            throw new IllegalArgumentException("tile " + tile + " with overlap " + overlap
                    + ": the overlap must be at least 0 and less than the tile");
        }
        int[] ys = starts(canvasHeight, tile, overlap);
        int[] xs = starts(canvasWidth, tile, overlap);
        int tileHeight = Math.min(tile, canvasHeight);
        int tileWidth = Math.min(tile, canvasWidth);
        List<Tile> tiles = new ArrayList<>(ys.length * xs.length);
        for (int y : ys) for (int x : xs) tiles.add(new Tile(y, x, tileHeight, tileWidth));
        return tiles;
    }

    private static int[] starts(int canvas, int tile, int overlap) {
        if (canvas <= tile) return new int[] {0};
        int count = ceilDiv(canvas - overlap, tile - overlap);
        int[] starts = new int[count];
        long span = canvas - tile;
        for (int i = 0; i < count; i++) starts[i] = (int) ((2 * i * span + count - 1) / (2L * (count - 1)));
        return starts;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** One tile's values, [channels, tile.height, tile.width], cut from a canvas [channels, height, width]. */
    public static float[] crop(float[] canvas, int channels, int height, int width, Tile tile) {
        checkInside(tile, height, width);
        if (canvas.length != (long) channels * height * width) {
            throw new IllegalArgumentException("canvas of " + canvas.length + " values for [" + channels + ", "
                    + height + ", " + width + "]");
        }
        float[] out = new float[channels * tile.height * tile.width];
        for (int c = 0; c < channels; c++) {
            for (int row = 0; row < tile.height; row++) {
                System.arraycopy(canvas, (c * height + tile.y + row) * width + tile.x,
                        out, (c * tile.height + row) * tile.width, tile.width);
            }
        }
        return out;
    }

    private static void checkInside(Tile tile, int height, int width) {
        if (tile.y + tile.height > height || tile.x + tile.width > width) {
            throw new IllegalArgumentException(tile + " leaves the " + width + "x" + height + " canvas");
        }
    }

    /**
     * Accumulates tile results into a canvas [channels, height, width]; {@link #result} gives the blend.
     * Tiles may come in any order; each must lie inside the canvas.
     */
    public static final class Blender {
        private final int channels;
        private final int height;
        private final int width;
        private final int ramp;
        private final float[] sum;
        private final float[] weightSum;

        /** @param ramp width of the blending ramp in this canvas's pixels: the overlap, times the scale */
        public Blender(int channels, int height, int width, int ramp) {
            if (channels <= 0 || height <= 0 || width <= 0 || ramp < 0) {
                throw new IllegalArgumentException("blender for [" + channels + ", " + height + ", " + width
                        + "] with ramp " + ramp);
            }
            this.channels = channels;
            this.height = height;
            this.width = width;
            this.ramp = ramp;
            this.sum = new float[Math.multiplyExact(channels, Math.multiplyExact(height, width))];
            this.weightSum = new float[height * width];
        }

        /** Adds one tile's result, [channels, tile.height, tile.width]. */
        public void add(Tile tile, float[] values) {
            checkInside(tile, height, width);
            if (values.length != (long) channels * tile.height * tile.width) {
                throw new IllegalArgumentException(values.length + " values for " + channels + " channels of " + tile);
            }
            float[] wy = ramps(tile.y, tile.height, height);
            float[] wx = ramps(tile.x, tile.width, width);
            for (int row = 0; row < tile.height; row++) {
                for (int col = 0; col < tile.width; col++) {
                    float w = wy[row] * wx[col];
                    int at = (tile.y + row) * width + tile.x + col;
                    weightSum[at] += w;
                    for (int c = 0; c < channels; c++) {
                        sum[c * height * width + at] += w * values[(c * tile.height + row) * tile.width + col];
                    }
                }
            }
        }

        /** The blended canvas; every pixel must have been covered by some tile. */
        public float[] result() {
            float[] out = new float[sum.length];
            int plane = height * width;
            for (int i = 0; i < plane; i++) {
                if (weightSum[i] == 0f) {
                    throw new IllegalStateException("pixel " + (i % width) + "," + (i / width) + " of the "
                            + width + "x" + height + " canvas is in no tile");
                }
                for (int c = 0; c < channels; c++) out[c * plane + i] = sum[c * plane + i] / weightSum[i];
            }
            return out;
        }

        /** One axis of a tile's weight: ramps at ends inside the canvas, 1 elsewhere. */
        float[] ramps(int start, int length, int canvas) {
            float[] w = new float[length];
            for (int i = 0; i < length; i++) {
                int fromStart = start > 0 ? i : Integer.MAX_VALUE;
                int fromEnd = start + length < canvas ? length - 1 - i : Integer.MAX_VALUE;
                int d = Math.min(fromStart, fromEnd);
                w[i] = d >= ramp ? 1f : (d + 0.5f) / ramp;
            }
            return w;
        }
    }
}
