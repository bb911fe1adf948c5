package org.sdij.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Test-only zip writer that lays entries out as torch's writer does (local extra field padding each
 * entry's data to 64 bytes, sizes in a trailing data descriptor), optionally in zip64 form, deflated,
 * or with a central directory that lies about an entry's size.
 */
final class ZipWriter {
    private record Item(String name, byte[] data, boolean deflate) {}

    private final List<Item> items = new ArrayList<>();
    private final Map<String, Long> claimedSizes = new HashMap<>();
    private final Map<String, Long> claimedInflatedSizes = new HashMap<>();
    private boolean zip64;

    ZipWriter add(String name, byte[] data) {
        items.add(new Item(name, data, false));
        return this;
    }

    ZipWriter addDeflated(String name, byte[] data) {
        items.add(new Item(name, data, true));
        return this;
    }

    /** The central directory will claim {@code size} bytes (compressed and not) for this entry. */
    ZipWriter claimSize(String name, long size) {
        claimedSizes.put(name, size);
        return this;
    }

    /** The central directory will claim the entry inflates to {@code size} bytes. */
    ZipWriter claimInflatedSize(String name, long size) {
        claimedInflatedSizes.put(name, size);
        return this;
    }

    ZipWriter zip64() {
        zip64 = true;
        return this;
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream central = new ByteArrayOutputStream();
        for (Item item : items) {
            byte[] name = item.name().getBytes(StandardCharsets.UTF_8);
            byte[] stored = item.deflate() ? deflate(item.data()) : item.data();
            CRC32 crc = new CRC32();
            crc.update(item.data());
            long offset = out.size();
            int padding = (int) ((64 - (offset + 30 + name.length + 4) % 64) % 64);
            le(out, 4, 0x04034b50);
            le(out, 2, zip64 ? 45 : 20);
            le(out, 2, 0x0808); // sizes follow in a data descriptor; UTF-8 names
            le(out, 2, item.deflate() ? 8 : 0);
            le(out, 4, 0); // time, date
            le(out, 4, 0);
            le(out, 4, 0);
            le(out, 4, 0);
            le(out, 2, name.length);
            le(out, 2, 4 + padding);
            out.writeBytes(name);
            le(out, 2, 0x4246); // an unregistered id, as torch uses for its alignment padding
            le(out, 2, padding);
            out.writeBytes(new byte[padding]);
            out.writeBytes(stored);
            le(out, 4, 0x08074b50);
            le(out, 4, crc.getValue());
            le(out, zip64 ? 8 : 4, stored.length);
            le(out, zip64 ? 8 : 4, item.data().length);

            long claimed = claimedSizes.getOrDefault(item.name(), -1L);
            long compressedSize = claimed >= 0 ? claimed : stored.length;
            long size = claimedInflatedSizes.getOrDefault(item.name(), claimed >= 0 ? claimed : item.data().length);
            le(central, 4, 0x02014b50);
            le(central, 2, zip64 ? 45 : 20);
            le(central, 2, zip64 ? 45 : 20);
            le(central, 2, 0x0808);
            le(central, 2, item.deflate() ? 8 : 0);
            le(central, 4, 0);
            le(central, 4, crc.getValue());
            le(central, 4, zip64 ? 0xFFFFFFFFL : compressedSize);
            le(central, 4, zip64 ? 0xFFFFFFFFL : size);
            le(central, 2, name.length);
            le(central, 2, zip64 ? 28 : 0);
            le(central, 2, 0); // comment
            le(central, 2, 0); // disk
            le(central, 2, 0); // internal attributes
            le(central, 4, 0); // external attributes
            le(central, 4, zip64 ? 0xFFFFFFFFL : offset);
            central.writeBytes(name);
            if (zip64) {
                le(central, 2, 0x0001);
                le(central, 2, 24);
                le(central, 8, size);
                le(central, 8, compressedSize);
                le(central, 8, offset);
            }
        }
        long directoryOffset = out.size();
        out.writeBytes(central.toByteArray());
        long end = out.size();
        if (zip64) {
            le(out, 4, 0x06064b50);
            le(out, 8, 44);
            le(out, 2, 45);
            le(out, 2, 45);
            le(out, 4, 0);
            le(out, 4, 0);
            le(out, 8, items.size());
            le(out, 8, items.size());
            le(out, 8, central.size());
            le(out, 8, directoryOffset);
            le(out, 4, 0x07064b50);
            le(out, 4, 0);
            le(out, 8, end);
            le(out, 4, 1);
        }
        le(out, 4, 0x06054b50);
        le(out, 2, 0);
        le(out, 2, 0);
        le(out, 2, zip64 ? 0xFFFF : items.size());
        le(out, 2, zip64 ? 0xFFFF : items.size());
        le(out, 4, zip64 ? 0xFFFFFFFFL : central.size());
        le(out, 4, zip64 ? 0xFFFFFFFFL : directoryOffset);
        le(out, 2, 0);
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (!deflater.finished()) out.write(buffer, 0, deflater.deflate(buffer));
        deflater.end();
        return out.toByteArray();
    }

    private static void le(ByteArrayOutputStream out, int bytes, long value) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        out.write(b.array(), 0, bytes);
    }
}
