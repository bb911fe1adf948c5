package org.sdij.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.TensorInfo;

/** A small in-memory safetensors file for tests: copy one, remove and add tensors, write it out. */
final class TinySafeTensors {

    private record Tensor(String dtype, long[] shape, byte[] data) {}

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    static TinySafeTensors copyOf(SafeTensorsFile file) throws IOException {
        TinySafeTensors copy = new TinySafeTensors();
        for (String name : file.names()) {
            TensorInfo info = file.info(name);
            ByteBuffer bytes = file.bytes(name);
            byte[] data = new byte[bytes.remaining()];
            bytes.get(data);
            copy.tensors.put(name, new Tensor(info.dtype().name(), info.shape(), data));
        }
        return copy;
    }

    void remove(String name) {
        if (tensors.remove(name) == null) throw new IllegalArgumentException("no tensor " + name);
    }

    /** A float32 tensor of the given shape filled with 0.5 (replacing any tensor of that name). */
    void putFloat32(String name, long[] shape) {
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(count(shape) * 4)).order(ByteOrder.LITTLE_ENDIAN);
        while (data.hasRemaining()) data.putFloat(0.5f);
        tensors.put(name, new Tensor("F32", shape, data.array()));
    }

    /** An int64 tensor holding 0, 1, 2, ... as transformers stores position_ids. */
    void putInt64(String name, long[] shape) {
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(count(shape) * 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; data.hasRemaining(); i++) data.putLong(i);
        tensors.put(name, new Tensor("I64", shape, data.array()));
    }

    Path write(Path path) throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (var e : tensors.entrySet()) {
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", e.getValue().dtype());
            JsonArray shape = new JsonArray();
            for (long d : e.getValue().shape()) shape.add(d);
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += e.getValue().data().length;
            offsets.add(offset);
            entry.add("data_offsets", offsets);
            header.add(e.getKey(), entry);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (Tensor t : tensors.values()) out.write(t.data());
        }
        return path;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
