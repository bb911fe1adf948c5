package org.sdij.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test fixtures: torch-style checkpoints assembled from a pickle and raw storages, plus element encoders. */
final class Checkpoints {
    private Checkpoints() {}

    /** A zip laid out as torch.save lays it out: data.pkl, then data/<key> per storage, then version. */
    static ZipWriter zip(String top, byte[] pickle, Map<String, byte[]> storages) {
        ZipWriter zip = new ZipWriter().add(top + "/data.pkl", pickle);
        storages.forEach((key, data) -> zip.add(top + "/data/" + key, data));
        return zip.add(top + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    static Path write(Path dir, String name, ZipWriter zip) throws IOException {
        return write(dir, name, zip.bytes());
    }

    /** A checkpoint holding the single dict {@code pickle} describes (already ending in STOP). */
    static Path ckpt(Path dir, String name, PickleWriter pickle, Map<String, byte[]> storages) throws IOException {
        return write(dir, name, zip("archive", pickle.bytes(), storages));
    }

    static Map<String, byte[]> storages(Object... keyThenBytes) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < keyThenBytes.length; i += 2) out.put((String) keyThenBytes[i], (byte[]) keyThenBytes[i + 1]);
        return out;
    }

    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    static byte[] f64(double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) b.putDouble(v);
        return b.array();
    }

    static byte[] i64(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        return b.array();
    }

    static byte[] u16(int... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : bits) b.putShort((short) v);
        return b.array();
    }

    /** bfloat16 bits of values that bfloat16 holds exactly (the low half of their float32 bits is zero). */
    static int[] bf16Bits(float... values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            int f = Float.floatToIntBits(values[i]);
            if ((f & 0xffff) != 0) throw new IllegalArgumentException(values[i] + " is not a bfloat16 value");
            bits[i] = f >>> 16;
        }
        return bits;
    }

    /** Half-precision values with their IEEE binary16 bit patterns (normal, subnormal, largest, negative). */
    static final float[] HALF_VALUES = {1.0f, -2.5f, 65504f, 0x1p-14f, 0x1p-24f, 0.333251953125f, 0f, -0.0009765625f};
    static final int[] HALF_BITS = {0x3C00, 0xC100, 0x7BFF, 0x0400, 0x0001, 0x3555, 0x0000, 0x9400};
}
