package org.sdij.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a safetensors file tensor by tensor, so files larger than memory can be made
 * (the benchmark's full-size random models; test fixtures).
 */
public final class SafeTensorsWriter {
    private SafeTensorsWriter() {}

    /** Fills one tensor's little-endian bytes; called in order with a buffer of exactly its size. */
    @FunctionalInterface
    public interface Filler {
        void fill(TensorInfo info, ByteBuffer out) throws IOException;
    }

    public static void write(Path path, List<TensorInfo> tensors, Filler filler) throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (TensorInfo t : tensors) {
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", t.dtype().name());
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) shape.add(d);
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + t.byteSize());
            entry.add("data_offsets", offsets);
            header.add(t.name(), entry);
            offset += t.byteSize();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // data aligned to 8 bytes, spaces as padding
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(length.array());
            out.write(json);
            out.write(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
            for (TensorInfo t : tensors) {
                ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(t.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
                filler.fill(t, data);
                out.write(data.array());
            }
        }
    }
}
