package org.sdij.io;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Gson;
import com.google.gson.TypeAdapter;
import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.StringReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file: 8-byte little-endian header length, a JSON header, raw little-endian data.
 * Opening validates the whole header against the file; {@link #load} maps one tensor at a time
 * (a mapping is at most 2 GB, so never the whole file).
 */
public final class SafeTensorsFile extends IndexedTensorFile<SafeTensorsFile.Entry> {

    /** Real headers are a few hundred KB; anything this large is corrupt or hostile. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    record Entry(TensorInfo info, long begin, long end) implements Indexed {}

    private final long dataStart;

    private SafeTensorsFile(Path path, FileChannel channel, long dataStart,
                            Map<String, Entry> entries, Map<String, String> metadata) {
        super(path, channel, entries, metadata);
        this.dataStart = dataStart;
    }

    public static SafeTensorsFile open(Path path) throws IOException {
        return open(path, SafeTensorsFile::index);
    }

    private static SafeTensorsFile index(Path path, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw bad(path, "is " + fileSize + " bytes long, too short for a safetensors header (truncated?)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > fileSize - 8) {
            throw bad(path, "declares a header of " + Long.toUnsignedString(headerLength) + " bytes but the file has "
                    + fileSize + " bytes (limit " + MAX_HEADER_BYTES + "): not a safetensors file, or truncated");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, 8);
        String json = new String(headerBytes.array(), StandardCharsets.UTF_8);
        Map<String, JsonElement> header = parseHeader(path, json);

        long dataStart = 8 + headerLength;
        long dataSize = fileSize - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> member : header.entrySet()) {
            String name = member.getKey();
            if (name.equals("__metadata__")) {
                if (member.getValue().isJsonObject()) {
                    for (Map.Entry<String, JsonElement> m : member.getValue().getAsJsonObject().entrySet()) {
                        if (m.getValue().isJsonPrimitive()) metadata.put(m.getKey(), m.getValue().getAsString());
                    }
                }
                continue;
            }
            entries.put(name, parseEntry(path, name, member.getValue(), dataSize));
        }
        checkNoOverlap(path, entries.values());
        return new SafeTensorsFile(path, channel, dataStart, Collections.unmodifiableMap(entries),
                Collections.unmodifiableMap(metadata));
    }

    /** Reads one JSON value as the reader's strictness allows (JsonParser.parseReader would make it lenient). */
    private static final TypeAdapter<JsonElement> JSON_ELEMENT = new Gson().getAdapter(JsonElement.class);

    /**
     * The header's top-level members, parsed strictly (Gson's default is lenient: unquoted names, comments)
     * and refusing a name given twice, which Gson would silently resolve to the last one.
     */
    private static Map<String, JsonElement> parseHeader(Path path, String json) throws WeightFormatException {
        Map<String, JsonElement> members = new LinkedHashMap<>();
        try {
            // a new JsonReader is strict, and reading members through the JsonElement adapter keeps it so
            // (JsonParser.parseReader would read them leniently); Gson's Strictness enum is not used, as the
            // Gson that Fiji ships (2.10.1) predates it
            JsonReader reader = new JsonReader(new StringReader(json));
            if (reader.peek() != JsonToken.BEGIN_OBJECT) throw bad(path, "has a header that is not a JSON object");
            reader.beginObject();
            while (reader.hasNext()) {
                String name = reader.nextName();
                if (members.put(name, JSON_ELEMENT.read(reader)) != null) {
                    throw bad(path, "names tensor '" + name + "' twice in its header");
                }
            }
            reader.endObject();
            if (reader.peek() != JsonToken.END_DOCUMENT) throw bad(path, "has text after its JSON header");
        } catch (WeightFormatException e) {
            throw e;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw bad(path, "has a header that is not well-formed JSON (" + reason + ")");
        }
        return members;
    }

    /** A JSON integer, exactly: Gson's getAsLong would truncate 2.7 to 2 and wrap 2^64 to 0. */
    private static long exactLong(Path path, String name, String what, JsonElement value) throws WeightFormatException {
        try {
            if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
                return value.getAsBigDecimal().longValueExact();
            }
        } catch (ArithmeticException | NumberFormatException e) {
            // falls through to the refusal
        }
        throw bad(path, "tensor '" + name + "' has " + what + " that is not an integer within range: " + value);
    }

    private static Entry parseEntry(Path path, String name, JsonElement value, long dataSize)
            throws WeightFormatException {
        try {
            JsonObject o = value.getAsJsonObject();
            String dtypeName = o.get("dtype").getAsString();
            DType dtype = DType.fromSafetensors(dtypeName);
            if (dtype == null) throw bad(path, "tensor '" + name + "' has unknown dtype '" + dtypeName + "'");
            var shapeJson = o.get("shape").getAsJsonArray();
            long[] shape = new long[shapeJson.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = exactLong(path, name, "a dimension", shapeJson.get(i));
                if (shape[i] < 0) throw bad(path, "tensor '" + name + "' has a negative dimension");
            }
            var offsets = o.get("data_offsets").getAsJsonArray();
            if (offsets.size() != 2) throw bad(path, "tensor '" + name + "' needs two data_offsets");
            long begin = exactLong(path, name, "a data offset", offsets.get(0));
            long end = exactLong(path, name, "a data offset", offsets.get(1));
            TensorInfo info = new TensorInfo(name, dtype, shape);
            long expected;
            try {
                expected = info.byteSize();
            } catch (ArithmeticException e) {
                throw bad(path, "tensor '" + name + "' has a shape too large to exist: " + info.shapeString());
            }
            if (begin < 0 || end < begin) {
                throw bad(path, "tensor '" + name + "' has invalid data_offsets [" + begin + ", " + end + "]");
            }
            if (end - begin != expected) {
                throw bad(path, "tensor '" + name + "' is " + dtype + " " + info.shapeString() + " = " + expected
                        + " bytes, but its data_offsets span " + (end - begin) + " bytes");
            }
            if (end > dataSize) {
                throw bad(path, "tensor '" + name + "' ends at byte " + end + " of the data, but the file holds only "
                        + dataSize + " data bytes (truncated?)");
            }
            return new Entry(info, begin, end);
        } catch (IllegalStateException | UnsupportedOperationException | NullPointerException
                 | NumberFormatException e) {
            throw bad(path, "tensor '" + name + "' has a malformed header entry: " + value);
        }
    }

    private static void checkNoOverlap(Path path, Iterable<Entry> entries) throws WeightFormatException {
        List<Entry> sorted = new ArrayList<>();
        entries.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() == e.end()) continue; // empty tensors occupy no bytes
            if (previous != null && e.begin() < previous.end()) {
                throw bad(path, "tensors '" + previous.info().name() + "' and '" + e.info().name()
                        + "' overlap in the data section");
            }
            previous = e;
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) throw new WeightFormatException("unexpected end of file");
        }
    }

    private static WeightFormatException bad(Path path, String what) {
        return new WeightFormatException("Safetensors file " + path + " " + what + ".");
    }

    /** The raw little-endian bytes of one tensor, mapped read-only. */
    @Override
    public ByteBuffer bytes(String name) throws IOException {
        Entry e = entry(name);
        if (e == null) throw bad(path, "has no tensor '" + name + "'");
        if (e.end() == e.begin()) return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
        MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin());
        return mapped.order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    long contiguousStart(Entry e) {
        return dataStart + e.begin();
    }
}
