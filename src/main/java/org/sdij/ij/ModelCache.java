package org.sdij.ij;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ij.IJ;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelKind;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;
import org.sdij.nn.Ops;
import org.sdij.pipeline.DepthEstimator;
import org.sdij.pipeline.HeldDepthEstimator;
import org.sdij.pipeline.StableDiffusion;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one model kept loaded between runs (and across the slices of a stack): it stays until a run asks
 * for another model, device, precision or weight storage (low-memory mode), until memory runs out, or until
 * the settings change. Runs take turns: a second command waits for the first to finish.
 */
final class ModelCache {

    /** What a command does with the loaded model. */
    interface Use<T> {
        T with(StableDiffusion model) throws IOException;
    }

    /** What a command does with a depth estimator alone (Estimate Depth). */
    interface EstimatorUse<T> {
        T with(DepthEstimator estimator) throws IOException;
    }

    /** Says why a model of this kind cannot run the command, or null when it can. */
    interface KindCheck {
        String problem(String modelName, ModelKind kind);
    }

    private static final ReentrantLock RUNS = new ReentrantLock();
    private static String loadedKey;
    private static ModelFiles loadedFiles;
    private static StableDiffusion loaded;
    private static int loads;
    private static final HeldDepthEstimator ESTIMATOR = new HeldDepthEstimator();

    private ModelCache() {
    }

    /**
     * Runs {@code use} with the model at {@code location} loaded as the settings and the command's device
     * ask; loads it (unloading another) only when needed. Out of memory unloads the model and says so. DJL
     * finds its engine through the plug-in's class loader ({@link EngineLookup}).
     */
    static <T> T use(String location, Settings settings, String commandDevice, KindCheck check, Use<T> use)
            throws IOException {
        if (!RUNS.tryLock()) {
            IJ.showStatus("Stable Diffusion: waiting for the running command to finish...");
            RUNS.lock();
        }
        try {
            return EngineLookup.withPluginLoader(() -> loadAndUse(location, settings, commandDevice, check, use));
        } finally {
            RUNS.unlock();
        }
    }

    /**
     * Runs {@code use} with the depth estimator of {@code folder} ({@link #estimator}: kept for the next run), taking
     * turns with the other commands as {@link #use} does.
     */
    static <T> T useEstimator(Path folder, String deviceName, EstimatorUse<T> use) throws IOException {
        if (!RUNS.tryLock()) {
            IJ.showStatus("Stable Diffusion: waiting for the running command to finish...");
            RUNS.lock();
        }
        try {
            return EngineLookup.withPluginLoader(() -> use.with(estimator(folder, device(deviceName))));
        } finally {
            RUNS.unlock();
        }
    }

    private static <T> T loadAndUse(String location, Settings settings, String commandDevice, KindCheck check,
                                    Use<T> use) throws IOException {
        apply(settings);
        DataType dtype = settings.precision().equals("fp16") ? DataType.FLOAT16 : DataType.FLOAT32;
        StableDiffusion model = load(location, device(settings.deviceFor(commandDevice)), dtype,
                settings.lowMemory() ? DataType.FLOAT16 : dtype, check);
        try {
            return use.with(model);
        } catch (OutOfMemoryError | EngineException e) {
            if (e instanceof EngineException && !isOutOfMemory(e)) throw e;
            unloadLocked();
            throw new IllegalStateException("Out of memory (" + e.getMessage() + "). The model was unloaded to "
                    + "free memory: try a smaller size, fewer images, or a lower attention limit in Models and "
                    + "Settings...");
        }
    }

    /** Frees the loaded model, if any (waits for a running command). */
    static void unload() {
        RUNS.lock();
        try {
            unloadLocked();
        } finally {
            RUNS.unlock();
        }
    }

    /** The loaded model, or null. */
    static synchronized StableDiffusion loaded() {
        return loaded;
    }

    /** How many times a model was loaded since ImageJ started (a stack run loads once). */
    static synchronized int loads() {
        return loads;
    }

    private static synchronized StableDiffusion load(String location, Device device, DataType dtype,
                                                     DataType storage, KindCheck check) throws IOException {
        String key = location + "|" + device + "|" + dtype + "|" + storage;
        if (key.equals(loadedKey)) {
            fail(check.problem(loaded.name(), loaded.kind()));
            return loaded;
        }
        ModelFiles files = ModelLocator.open(location, ModelOptions.DEFAULT);
        try {
            fail(check.problem(files.name(), files.kind()));
            unloadLocked(); // never two models in memory
            IJ.showStatus("Stable Diffusion: loading " + files.name() + "...");
            long t0 = System.nanoTime();
            StableDiffusion model = StableDiffusion.load(files, device, dtype, storage);
            model.onWarning(message -> IJ.log("Stable Diffusion: " + message));
            IJ.showStatus(String.format(Locale.ROOT, "Stable Diffusion: %s loaded in %.1f s", files.name(),
                    (System.nanoTime() - t0) / 1e9));
            loadedKey = key;
            loads++;
            loadedFiles = files;
            loaded = model;
            return model;
        } catch (IOException | RuntimeException | Error e) {
            if (files != loadedFiles) closeQuietly(files);
            throw e;
        }
    }

    /**
     * The depth estimator of {@code folder} on {@code device}, for a run inside {@link #use}: loaded on first use and
     * kept with the model (Depth to Image is often run again on the same model), freed with it or when another
     * estimator is asked for. The caller does not close it.
     */
    static synchronized DepthEstimator estimator(Path folder, Device device) throws IOException {
        if (!ESTIMATOR.holds(folder, device)) IJ.showStatus("Stable Diffusion: loading the depth estimator...");
        return ESTIMATOR.get(folder, device);
    }

    /** How many times a depth estimator was loaded since ImageJ started. */
    static int estimatorLoads() {
        return ESTIMATOR.loads();
    }

    private static void fail(String problem) {
        if (problem != null) throw new IllegalArgumentException(problem);
    }

    private static synchronized void unloadLocked() {
        ESTIMATOR.close();
        if (loaded != null) loaded.close();
        if (loadedFiles != null) closeQuietly(loadedFiles);
        loaded = null;
        loadedFiles = null;
        loadedKey = null;
    }

    private static void closeQuietly(ModelFiles files) {
        try {
            files.close();
        } catch (IOException ignored) {
            // read-only mappings: nothing was lost
        }
    }

    static Device device(String name) {
        if (!name.equals("gpu")) return Device.cpu();
        if (Engine.getEngine("PyTorch").getGpuCount() == 0) {
            throw new IllegalArgumentException("The device is gpu, but libtorch sees no CUDA GPU (sd-ij ships the CPU "
                    + "build of libtorch): choose cpu here or in Plugins > Stable Diffusion > Models and Settings...");
        }
        return Device.gpu();
    }

    /** Threads and the attention chunk limit, from the settings (they need no reload). */
    private static void apply(Settings settings) {
        Engine.getEngine("PyTorch"); // loads libtorch before its thread setting is touched
        int threads = settings.threads() > 0 ? settings.threads() : Runtime.getRuntime().availableProcessors();
        if (JniUtils.getNumThreads() != threads) JniUtils.setNumThreads(threads);
        int bytesPerValue = settings.precision().equals("fp16") ? 2 : 4;
        long limit = settings.attentionLimitMb() == 0 ? Long.MAX_VALUE
                : settings.attentionLimitMb() * (1L << 20) / bytesPerValue;
        Ops.setAttentionChunkElements(limit);
    }

    static boolean isOutOfMemory(Throwable e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return e instanceof OutOfMemoryError || m.contains("out of memory") || m.contains("not enough memory")
                || m.contains("can't allocate") || m.contains("cannot allocate");
    }
}
