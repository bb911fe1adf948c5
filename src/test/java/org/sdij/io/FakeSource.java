package org.sdij.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** An in-memory tensor source for tests: names and shapes; tensors hold 0, 1, 2, ... in float32. */
public final class FakeSource implements TensorSource {
    private final Map<String, TensorInfo> infos = new LinkedHashMap<>();

    public FakeSource with(String name, long... shape) {
        infos.put(name, new TensorInfo(name, DType.F32, shape));
        return this;
    }

    @Override
    public String origin() {
        return "fake.safetensors";
    }

    @Override
    public Set<String> names() {
        return infos.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        return infos.get(name);
    }

    @Override
    public NDArray load(String name, NDManager manager) {
        TensorInfo info = infos.get(name);
        return manager.arange(0f, (float) info.elementCount()).reshape(new Shape(info.shape()));
    }
}
