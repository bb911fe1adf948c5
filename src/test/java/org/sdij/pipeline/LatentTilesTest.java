package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sdij.GoldenFloats;
import org.sdij.pipeline.LatentTiles.Blender;
import org.sdij.pipeline.LatentTiles.Tile;

/** Tile planning, exact reassembly, and no visible seams when tiles disagree. */
class LatentTilesTest {

    @Test
    void aCanvasThatFitsIsOneTile() {
        assertEquals(List.of(new Tile(0, 0, 64, 40)), LatentTiles.plan(64, 40, 64, 16));
        assertEquals(List.of(new Tile(0, 0, 5, 7)), LatentTiles.plan(5, 7, 128, 0));
    }

    @Test
    void plannedTilesCoverTheCanvasInsideItWithTheOverlap() {
        Random random = new Random(11);
        for (int trial = 0; trial < 3000; trial++) {
            int tile = 1 + random.nextInt(80);
            int overlap = random.nextInt(tile);
            int height = 1 + random.nextInt(300);
            int width = 1 + random.nextInt(300);
            List<Tile> tiles = LatentTiles.plan(height, width, tile, overlap);
            String what = width + "x" + height + " tile " + tile + " overlap " + overlap;
            Set<Integer> ys = new HashSet<>();
            Set<Integer> xs = new HashSet<>();
            boolean[] covered = new boolean[height * width];
            for (Tile t : tiles) {
                assertTrue(t.y() + t.height() <= height && t.x() + t.width() <= width, what + ": " + t);
                assertEquals(Math.min(tile, height), t.height(), what);
                assertEquals(Math.min(tile, width), t.width(), what);
                ys.add(t.y());
                xs.add(t.x());
                for (int y = t.y(); y < t.y() + t.height(); y++) {
                    for (int x = t.x(); x < t.x() + t.width(); x++) covered[y * width + x] = true;
                }
            }
            for (boolean c : covered) assertTrue(c, what + ": a pixel in no tile");
            assertEquals(ys.size() * xs.size(), tiles.size(), what + ": a grid");
            checkAxis(ys, height, tile, overlap, what);
            checkAxis(xs, width, tile, overlap, what);
        }
    }

    private static void checkAxis(Set<Integer> startSet, int canvas, int tile, int overlap, String what) {
        int[] starts = startSet.stream().mapToInt(Integer::intValue).sorted().toArray();
        int expectedCount = canvas <= tile ? 1 : (canvas - overlap + tile - overlap - 1) / (tile - overlap);
        assertEquals(expectedCount, starts.length, what + ": as few tiles as the overlap allows");
        for (int i = 1; i < starts.length; i++) {
            assertTrue(starts[i - 1] + tile - starts[i] >= overlap, what + ": overlap before tile " + i);
        }
    }

    /** A smooth random field: a few long waves. */
    private static float[] smoothField(int channels, int height, int width, double wavelength, long seed) {
        Random random = new Random(seed);
        float[] field = new float[channels * height * width];
        for (int c = 0; c < channels; c++) {
            for (int wave = 0; wave < 3; wave++) {
                double angle = random.nextDouble() * Math.PI;
                double k = 2 * Math.PI / (wavelength * (0.8 + 0.4 * random.nextDouble()));
                double phase = random.nextDouble() * 2 * Math.PI;
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        field[(c * height + y) * width + x] += (float) (Math.sin(
                                k * (x * Math.cos(angle) + y * Math.sin(angle)) + phase) / 3);
                    }
                }
            }
        }
        return field;
    }

    @Test
    void oneTileGivesTheUntiledResultExactly() {
        float[] field = smoothField(4, 40, 56, 20, 1);
        for (int overlap : new int[] {0, 8, 16}) {
            List<Tile> tiles = LatentTiles.plan(40, 56, 64, overlap);
            assertEquals(1, tiles.size());
            Blender blender = new Blender(4, 40, 56, overlap);
            blender.add(tiles.get(0), LatentTiles.crop(field, 4, 40, 56, tiles.get(0)));
            assertArrayEquals(field, blender.result());
            // the same tile decoded to pixels (scale 8)
            float[] pixels = smoothField(3, 320, 448, 90, 2);
            Blender pixelBlender = new Blender(3, 320, 448, 8 * overlap);
            Tile scaled = tiles.get(0).scaled(8);
            pixelBlender.add(scaled, LatentTiles.crop(pixels, 3, 320, 448, scaled));
            assertArrayEquals(pixels, pixelBlender.result());
        }
    }

    @Test
    void aFieldSplitIntoTilesBlendsBackToItself() {
        int channels = 4;
        int height = 100;
        int width = 130;
        float[] field = smoothField(channels, height, width, 25, 3);
        for (int[] setting : new int[][] {{48, 16}, {32, 8}, {64, 0}, {40, 13}}) {
            List<Tile> tiles = LatentTiles.plan(height, width, setting[0], setting[1]);
            assertTrue(tiles.size() > 4);
            Blender blender = new Blender(channels, height, width, setting[1]);
            for (Tile t : tiles) blender.add(t, LatentTiles.crop(field, channels, height, width, t));
            double err = GoldenFloats.maxAbsDiff(blender.result(), field);
            System.out.printf("tiles %d/%d: %d tiles reassemble the field, max abs error %.3g%n",
                    setting[0], setting[1], tiles.size(), err);
            assertTrue(err <= 1e-6, "max abs error " + err);
        }
        // and decoded tiles (scale 4, the x4 upscaler's VAE) reassemble the pixel field
        float[] pixels = smoothField(3, 4 * 60, 4 * 70, 100, 4);
        List<Tile> tiles = LatentTiles.plan(60, 70, 24, 8);
        Blender blender = new Blender(3, 240, 280, 4 * 8);
        for (Tile t : tiles) blender.add(t.scaled(4), LatentTiles.crop(pixels, 3, 240, 280, t.scaled(4)));
        double err = GoldenFloats.maxAbsDiff(blender.result(), pixels);
        System.out.printf("pixel tiles x4: %d tiles reassemble the field, max abs error %.3g%n", tiles.size(), err);
        assertTrue(err <= 1e-6, "max abs error " + err);
    }

    @Test
    void tilesThatDisagreeLeaveNoSeam() {
        checkSeams(1, 110, 140, 48, 16, 1);
        checkSeams(8, 40, 50, 16, 4, 8); // latent tiles decoded at scale 8: blended in pixels
    }

    /**
     * Each tile's result is the field plus its own constant offset (up to +-0.5, twice the field's steepest
     * slope per pixel), as tiles denoised apart disagree. The steepest step across a tile edge must be no
     * steeper than the steepest step elsewhere, while pasting the tiles without blending fails that.
     */
    private static void checkSeams(int scale, int latentHeight, int latentWidth, int tile, int overlap, long seed) {
        int height = latentHeight * scale;
        int width = latentWidth * scale;
        float[] field = smoothField(1, height, width, 30.0 * scale, seed);
        List<Tile> tiles = LatentTiles.plan(latentHeight, latentWidth, tile, overlap);
        Random random = new Random(seed + 100);
        Blender blender = new Blender(1, height, width, overlap * scale);
        float[] pasted = new float[height * width];
        boolean[] edgeAfterColumn = new boolean[width];
        boolean[] edgeAfterRow = new boolean[height];
        for (Tile latentTile : tiles) {
            Tile t = latentTile.scaled(scale);
            float offset = (random.nextFloat() - 0.5f);
            float[] values = LatentTiles.crop(field, 1, height, width, t);
            for (int i = 0; i < values.length; i++) values[i] += offset;
            blender.add(t, values);
            for (int row = 0; row < t.height(); row++) {
                System.arraycopy(values, row * t.width(), pasted, (t.y() + row) * width + t.x(), t.width());
            }
            if (t.x() > 0) edgeAfterColumn[t.x() - 1] = true;
            if (t.x() + t.width() < width) edgeAfterColumn[t.x() + t.width() - 1] = true;
            if (t.y() > 0) edgeAfterRow[t.y() - 1] = true;
            if (t.y() + t.height() < height) edgeAfterRow[t.y() + t.height() - 1] = true;
        }
        double[] blended = steepest(blender.result(), height, width, edgeAfterColumn, edgeAfterRow);
        double[] naive = steepest(pasted, height, width, edgeAfterColumn, edgeAfterRow);
        System.out.printf("seams (scale %d, %d tiles): steepest step across tile edges %.4f, elsewhere %.4f;"
                + " pasted without blending %.4f vs %.4f%n",
                scale, tiles.size(), blended[0], blended[1], naive[0], naive[1]);
        assertTrue(naive[0] > 1.5 * naive[1], "the test must see a seam where there is one");
        assertTrue(blended[0] <= blended[1],
                "a seam: " + blended[0] + " across tile edges, " + blended[1] + " elsewhere");
    }

    /** {steepest step between neighbours across a tile edge, steepest step elsewhere}, in x and y. */
    private static double[] steepest(float[] image, int height, int width, boolean[] edgeAfterColumn,
                                     boolean[] edgeAfterRow) {
        double[] max = new double[2];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                float v = image[y * width + x];
                if (x + 1 < width) {
                    int k = edgeAfterColumn[x] ? 0 : 1;
                    max[k] = Math.max(max[k], Math.abs(image[y * width + x + 1] - v));
                }
                if (y + 1 < height) {
                    int k = edgeAfterRow[y] ? 0 : 1;
                    max[k] = Math.max(max[k], Math.abs(image[(y + 1) * width + x] - v));
                }
            }
        }
        return max;
    }

    @Test
    void badPlansAndTilesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LatentTiles.plan(100, 100, 32, 32));
        assertThrows(IllegalArgumentException.class, () -> LatentTiles.plan(0, 100, 32, 8));
        Blender blender = new Blender(1, 10, 10, 2);
        assertThrows(IllegalArgumentException.class, () -> blender.add(new Tile(5, 5, 6, 5), new float[30]));
        assertThrows(IllegalArgumentException.class, () -> blender.add(new Tile(0, 0, 5, 5), new float[24]));
        blender.add(new Tile(0, 0, 5, 10), new float[50]);
        assertThrows(IllegalStateException.class, blender::result);
    }
}
