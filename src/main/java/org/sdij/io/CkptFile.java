package org.sdij.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Set;

/**
 * PLACEHOLDER on branch {@code models} until the restricted {@code .ckpt} reader (branch {@code ckpt}) is
 * merged: same entry point, {@code open(Path)}, but it only says that the format is not supported yet.
 */
public final class CkptFile implements TensorSource {
    private CkptFile() {}

    public static CkptFile open(Path path) throws WeightFormatException {
        throw new WeightFormatException("Cannot read " + path + ": PyTorch .ckpt/.bin support is not built yet. "
                + "Use the .safetensors version of this model.");
    }

    @Override
    public String origin() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Set<String> names() {
        throw new UnsupportedOperationException();
    }

    @Override
    public TensorInfo info(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public NDArray load(String name, NDManager manager) {
        throw new UnsupportedOperationException();
    }
}
