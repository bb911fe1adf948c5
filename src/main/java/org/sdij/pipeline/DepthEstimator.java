package org.sdij.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sdij.io.DepthEstimatorFiles;
import org.sdij.io.ModelFiles;
import org.sdij.nn.Weights;
import org.sdij.nn.dpt.DptConfig;
import org.sdij.nn.dpt.DptForDepthEstimation;

/**
 * Depth from the image alone, as diffusers' depth2img pipeline makes it when given no depth map: the DPT image
 * processor, then DPT-Hybrid's predicted depth (relative inverse depth, larger = nearer) at the network's size. The
 * pipeline then resizes and stretches it like any given map ({@link DepthMaps#prepare}).
 */
public final class DepthEstimator implements AutoCloseable {
    private final DptForDepthEstimation network;
    private final DptImageProcessor processor;
    private final String description;
    private final NDManager manager;

    private final long parameterCount;

    private DepthEstimator(DptForDepthEstimation network, DptImageProcessor processor, String description,
                           NDManager manager, long parameterCount) {
        this.parameterCount = parameterCount;
        this.network = network;
        this.processor = processor;
        this.description = description;
        this.manager = manager;
    }

    /** From a DPT folder or a diffusers folder's {@code depth_estimator/} + {@code feature_extractor/}, in float32. */
    public static DepthEstimator load(Path dir, Device device) throws IOException {
        try (DepthEstimatorFiles files = DepthEstimatorFiles.open(dir)) {
            DptConfig config = parse(() -> DptConfig.fromJson(files.config()), files.folder().resolve("config.json"));
            DptImageProcessor processor = parse(() -> DptImageProcessor.fromJson(files.preprocessorConfig()),
                    files.folder().resolve("preprocessor_config.json"));
            NDManager manager = NDManager.newBaseManager(device);
            try {
                Weights weights = Weights.of(files.weights(), manager, DataType.FLOAT32);
                DptForDepthEstimation network = DptForDepthEstimation.load(config, weights);
                return new DepthEstimator(network, processor, "DPT-Hybrid " + files.describe(), manager,
                        count(weights));
            } catch (IOException | RuntimeException e) {
                manager.close();
                throw e;
            }
        }
    }

    /**
     * The real MiDaS DPT-Hybrid ({@link DptConfig#midasHybrid}) and SD 2 depth's processor (384x384, Pillow
     * bilinear) with random weights: for timing only.
     */
    public static DepthEstimator withRandomWeights(Device device) {
        NDManager manager = NDManager.newBaseManager(device);
        JsonObject processor = new JsonObject();
        processor.addProperty("resample", 2);
        try {
            Weights weights = Weights.random(manager, DataType.FLOAT32);
            DptForDepthEstimation network = DptForDepthEstimation.load(DptConfig.midasHybrid(), weights);
            return new DepthEstimator(network, DptImageProcessor.fromJson(processor),
                    "DPT-Hybrid (random weights)", manager, count(weights));
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The estimator folder of a depth run without a map: {@code depthModel} when given, else the model folder when
     * it has its own {@code depth_estimator/} (real SD 2 depth folders ship one); null when there is neither.
     */
    public static Path folderFor(ModelFiles files, Path depthModel) {
        if (depthModel != null) return depthModel;
        return files.format() == ModelFiles.Format.DIFFUSERS_FOLDER && DepthEstimatorFiles.present(files.origin())
                ? files.origin() : null;
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T parse(Parse<T> parse, Path file) throws IOException {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static long count(Weights weights) {
        long total = 0;
        for (long[] shape : weights.requested().values()) {
            long n = 1;
            for (long d : shape) n *= d;
            total += n;
        }
        return total;
    }

    /** The parameters the network holds (those its forward pass reads). */
    public long parameterCount() {
        return parameterCount;
    }

    /** What the metadata names as the depth's source. */
    public String description() {
        return description;
    }

    public DptImageProcessor processor() {
        return processor;
    }

    public DptForDepthEstimation network() {
        return network;
    }

    /** The predicted depth of one image, at the network's input size. */
    public Plane estimate(RgbImage image) {
        return estimate(List.of(image)).get(0);
    }

    /** The predicted depth of each image, one batch. */
    public List<Plane> estimate(List<RgbImage> images) {
        return estimate(images, DptForDepthEstimation.Taps.NONE);
    }

    public List<Plane> estimate(List<RgbImage> images, DptForDepthEstimation.Taps taps) {
        if (images.isEmpty()) throw new IllegalArgumentException("no image to estimate depth from");
        List<DptImageProcessor.Pixels> pixels = new ArrayList<>();
        for (RgbImage image : images) pixels.add(processor.preprocess(image));
        int w = pixels.get(0).width();
        int h = pixels.get(0).height();
        float[] batch = new float[images.size() * 3 * w * h];
        for (int i = 0; i < pixels.size(); i++) {
            System.arraycopy(pixels.get(i).values(), 0, batch, i * 3 * w * h, 3 * w * h);
        }
        try (NDManager run = manager.newSubManager()) {
            NDArray input = run.create(batch, new Shape(images.size(), 3, h, w));
            NDArray depth = network.predict(input, taps);
            Shape s = depth.getShape();
            int outH = (int) s.get(1);
            int outW = (int) s.get(2);
            float[] values = depth.toType(DataType.FLOAT32, false).toFloatArray();
            List<Plane> out = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                float[] plane = new float[outW * outH];
                System.arraycopy(values, i * outW * outH, plane, 0, plane.length);
                out.add(new Plane(outW, outH, plane));
            }
            return out;
        }
    }

    @Override
    public void close() {
        network.close();
    }
}
