package org.sdij.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/** Fixtures for io tests: safetensors files rewritten from existing ones, folders of links. */
final class TestFiles {
    private TestFiles() {}

    /**
     * Writes the tensors of {@code from} for which {@code rename} gives a name (null drops the tensor),
     * with their bytes unchanged, plus {@code copies}: new name to the name of the tensor it copies.
     */
    static void rewrite(SafeTensorsFile from, Path to, Function<String, String> rename, Map<String, String> copies)
            throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        var kept = new java.util.ArrayList<String[]>();
        var all = new java.util.ArrayList<String[]>();
        for (String name : from.names()) all.add(new String[] {name, rename.apply(name)});
        copies.forEach((copy, original) -> all.add(new String[] {original, copy}));
        for (String[] pair : all) {
            String name = pair[0];
            String target = pair[1];
            if (target == null) continue;
            TensorInfo info = from.info(name);
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", info.dtype().name());
            JsonArray shape = new JsonArray();
            for (long d : info.shape()) shape.add(d);
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + info.byteSize());
            entry.add("data_offsets", offsets);
            header.add(target, entry);
            offset += info.byteSize();
            kept.add(pair);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(to)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (String[] pair : kept) {
                ByteBuffer bytes = from.bytes(pair[0]);
                byte[] data = new byte[bytes.remaining()];
                bytes.get(data);
                out.write(data);
            }
        }
    }

    /** A copy of {@code folder} whose entries are symbolic links to the originals (as in the Hub cache). */
    static void linkAll(Path folder, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path entry : entries.toList()) Files.createSymbolicLink(to.resolve(entry.getFileName()), entry);
        }
    }

    static void writeJson(Path file, Map<String, ?> values) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, new com.google.gson.Gson().toJson(values));
    }
}
