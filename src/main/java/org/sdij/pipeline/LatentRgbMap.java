package org.sdij.pipeline;

import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.sdij.nn.vae.VaeConfig;

/**
 * The live preview's cheap decode: each latent pixel's colour as a linear function of its channels,
 * {@code rgb = bias + latent . factors}, on latents scaled as the UNet sees them, giving the VAE's [-1, 1] range.
 * A whole 512x512 preview costs a few milliseconds where the VAE decode costs seconds. The maps ship as data
 * ({@code latent-rgb-maps.json}, which says where each comes from); {@link #fit} makes one from a VAE.
 *
 * @param factors [latent channel][r, g, b]
 */
public record LatentRgbMap(String name, float[][] factors, float[] bias) {
    private static final String RESOURCE = "latent-rgb-maps.json";

    /** The shipped map for a VAE of this config, or null where none is shipped (the x4 upscaler's VAE). */
    public static LatentRgbMap forVae(VaeConfig config) {
        for (JsonElement e : shipped().getAsJsonArray("maps")) {
            JsonObject m = e.getAsJsonObject();
            if (m.get("latent_channels").getAsInt() == config.latentChannels()
                    && m.get("downscale_factor").getAsInt() == config.downscaleFactor()
                    && Math.abs(m.get("scaling_factor").getAsDouble() - config.scalingFactor()) < 1e-6) {
                return fromJson(m);
            }
        }
        return null;
    }

    private static JsonObject shipped() {
        try (InputStream in = LatentRgbMap.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the build");
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LatentRgbMap fromJson(JsonObject m) {
        JsonArray rows = m.getAsJsonArray("factors");
        float[][] factors = new float[rows.size()][3];
        for (int k = 0; k < rows.size(); k++) {
            for (int c = 0; c < 3; c++) factors[k][c] = rows.get(k).getAsJsonArray().get(c).getAsFloat();
        }
        float[] bias = new float[3];
        for (int c = 0; c < 3; c++) bias[c] = m.getAsJsonArray("bias").get(c).getAsFloat();
        return new LatentRgbMap(m.get("name").getAsString(), factors, bias);
    }

    /**
     * Image {@code index} of scaled latents {@code shape} [batch, channels, h, w] as a picture of
     * {@code h * factor} x {@code w * factor} pixels in [0, 1] (each latent pixel a block of its colour).
     */
    public RgbImage image(float[] latents, Shape shape, int index, int factor) {
        int channels = (int) shape.get(1);
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        if (channels != factors.length) {
            throw new IllegalArgumentException(name + " maps " + factors.length + " latent channels, not " + channels);
        }
        int plane = h * w;
        int offset = index * channels * plane;
        int width = w * factor;
        RgbImage out = RgbImage.blank(width, h * factor);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    float v = bias[c];
                    for (int k = 0; k < channels; k++) v += latents[offset + k * plane + y * w + x] * factors[k][c];
                    float shown = Math.max(0f, Math.min(1f, v / 2f + 0.5f));
                    float[] p = out.planes()[c];
                    for (int dy = 0; dy < factor; dy++) {
                        int row = (y * factor + dy) * width + x * factor;
                        java.util.Arrays.fill(p, row, row + factor, shown);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The least-squares map from scaled latents [batch, channels, h, w] to what the VAE decoded from them
     * ({@code decoded}: [batch, 3, h * factor, w * factor] in [-1, 1]), each decoded block of factor x factor
     * pixels averaged to the colour of its latent pixel.
     */
    public static LatentRgbMap fit(String name, float[] latents, Shape shape, float[] decoded, int factor) {
        int batch = (int) shape.get(0);
        int channels = (int) shape.get(1);
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        int n = channels + 1; // the channels, then 1 for the bias
        double[][] normal = new double[n][n];
        double[][] rhs = new double[3][n];
        double[] row = new double[n];
        int plane = h * w;
        int pixels = plane * factor * factor;
        for (int b = 0; b < batch; b++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int k = 0; k < channels; k++) row[k] = latents[(b * channels + k) * plane + y * w + x];
                    row[channels] = 1;
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) normal[i][j] += row[i] * row[j];
                    }
                    for (int c = 0; c < 3; c++) {
                        double sum = 0;
                        for (int dy = 0; dy < factor; dy++) {
                            for (int dx = 0; dx < factor; dx++) {
                                sum += decoded[(b * 3 + c) * pixels + (y * factor + dy) * w * factor + x * factor + dx];
                            }
                        }
                        double mean = sum / (factor * factor);
                        for (int i = 0; i < n; i++) rhs[c][i] += row[i] * mean;
                    }
                }
            }
        }
        float[][] factors = new float[channels][3];
        float[] bias = new float[3];
        for (int c = 0; c < 3; c++) {
            double[] solution = solve(normal, rhs[c]);
            for (int k = 0; k < channels; k++) factors[k][c] = (float) solution[k];
            bias[c] = (float) solution[channels];
        }
        return new LatentRgbMap(name, factors, bias);
    }

    /** Gaussian elimination with partial pivoting on copies of a small symmetric system. */
    private static double[] solve(double[][] matrix, double[] vector) {
        int n = vector.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) a[i] = java.util.Arrays.copyOf(matrix[i], n + 1);
        for (int i = 0; i < n; i++) a[i][n] = vector[i];
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
            double[] t = a[col];
            a[col] = a[pivot];
            a[pivot] = t;
            if (Math.abs(a[col][col]) < 1e-12) throw new IllegalArgumentException("latents too uniform to fit a map to");
            for (int r = 0; r < n; r++) {
                if (r == col) continue;
                double f = a[r][col] / a[col][col];
                for (int k = col; k <= n; k++) a[r][k] -= f * a[col][k];
            }
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = a[i][n] / a[i][i];
        return x;
    }

    /** This map as an entry of {@code latent-rgb-maps.json} for a VAE of {@code config}. */
    public String toJson(VaeConfig config) {
        StringBuilder s = new StringBuilder();
        s.append("{\n  \"name\": \"").append(name.replace("\"", "'")).append("\",\n");
        s.append("  \"latent_channels\": ").append(config.latentChannels()).append(",\n");
        s.append("  \"downscale_factor\": ").append(config.downscaleFactor()).append(",\n");
        s.append(String.format(Locale.ROOT, "  \"scaling_factor\": %s,%n", config.scalingFactor()));
        s.append("  \"factors\": [\n");
        for (int k = 0; k < factors.length; k++) {
            s.append(String.format(Locale.ROOT, "    [%.4f, %.4f, %.4f]%s%n", factors[k][0], factors[k][1], factors[k][2],
                    k + 1 < factors.length ? "," : ""));
        }
        s.append(String.format(Locale.ROOT, "  ],%n  \"bias\": [%.4f, %.4f, %.4f]%n}", bias[0], bias[1], bias[2]));
        return s.toString();
    }
}
