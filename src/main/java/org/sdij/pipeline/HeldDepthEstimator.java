package org.sdij.pipeline;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One depth estimator kept loaded for the next run (a model's depth runs without a map mostly use the same one, and
 * loading DPT-Hybrid takes seconds), replaced when another folder or device is asked for, freed on close.
 */
public final class HeldDepthEstimator implements AutoCloseable {
    private String key;
    private DepthEstimator estimator;
    private int loads;

    /**
     * The estimator of {@code folder} on {@code device}: the held one when it is that, else loaded now (callers
     * do not close it).
     */
    public synchronized DepthEstimator get(Path folder, Device device) throws IOException {
        if (holds(folder, device)) return estimator;
        close();
        estimator = DepthEstimator.load(folder, device);
        key = key(folder, device);
        loads++;
        return estimator;
    }

    /** Whether {@link #get} would return without loading. */
    public synchronized boolean holds(Path folder, Device device) {
        return estimator != null && key(folder, device).equals(key);
    }

    /** How many estimators this one loaded. */
    public synchronized int loads() {
        return loads;
    }

    private static String key(Path folder, Device device) {
        return folder.toAbsolutePath().normalize() + "|" + device;
    }

    @Override
    public synchronized void close() {
        if (estimator != null) estimator.close();
        estimator = null;
        key = null;
    }
}
