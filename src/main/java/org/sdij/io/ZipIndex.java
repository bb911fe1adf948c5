package org.sdij.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The entries of a zip file, read from its central directory (zip64 included) and checked against
 * the file's length, so that stored entries can be memory-mapped where they lie. java.util.zip.ZipFile
 * cannot map an entry, and torch writes its storages uncompressed precisely so they can be.
 * The local headers are read too: their extra fields (torch pads them to align the data) differ from
 * the central directory's, and only they say where an entry's data begins.
 */
final class ZipIndex {

    static final int STORED = 0;
    static final int DEFLATED = 8;

    /** Deflate cannot expand data by more than about 1032:1; a larger claimed ratio is a lie (or a bomb). */
    private static final long MAX_DEFLATE_RATIO = 1100;

    /** A torch checkpoint's directory has one ~100-byte record per storage; a full SD training file, a few thousand. */
    static final long MAX_DIRECTORY_BYTES = 64L << 20;

    record Entry(String name, int method, long compressedSize, long size, long crc, long localOffset, long dataStart) {}

    private final Path path;
    private final FileChannel channel;
    private final Map<String, Entry> entries;

    private ZipIndex(Path path, FileChannel channel, Map<String, Entry> entries) {
        this.path = path;
        this.channel = channel;
        this.entries = entries;
    }

    Map<String, Entry> entries() {
        return entries;
    }

    Entry entry(String name) {
        return entries.get(name);
    }

    static ZipIndex read(Path path, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        long[] directory = findCentralDirectory(path, channel, fileSize);
        long directoryOffset = directory[0];
        long directorySize = directory[1];
        long declaredCount = directory[2];
        if (directorySize > MAX_DIRECTORY_BYTES) {
            throw bad(path, "has a central directory of " + directorySize + " bytes, over the limit of "
                    + MAX_DIRECTORY_BYTES + ": not a torch checkpoint");
        }
        ByteBuffer cd = channel.map(FileChannel.MapMode.READ_ONLY, directoryOffset, directorySize)
                .order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Entry> entries = new LinkedHashMap<>();
        int p = 0;
        while (p < directorySize) {
            if (directorySize - p < 46 || cd.getInt(p) != 0x02014b50) {
                throw bad(path, "has a damaged central directory (at byte " + (directoryOffset + p) + ")");
            }
            int flags = u16(cd, p + 8);
            int method = u16(cd, p + 10);
            long crc = u32(cd, p + 16);
            long compressed = u32(cd, p + 20);
            long size = u32(cd, p + 24);
            int nameLength = u16(cd, p + 28);
            int extraLength = u16(cd, p + 30);
            int commentLength = u16(cd, p + 32);
            long localOffset = u32(cd, p + 42);
            int next = p + 46 + nameLength + extraLength + commentLength;
            if (next > directorySize) throw bad(path, "has a central directory entry that runs past its end");
            String name = decodeName(cd, p + 46, nameLength);
            // zip64: the fields that read 0xFFFFFFFF are in the 0x0001 extra block, in this order
            long[] wide = {size, compressed, localOffset};
            readZip64Extra(path, name, cd, p + 46 + nameLength, extraLength, wide);
            size = wide[0];
            compressed = wide[1];
            localOffset = wide[2];
            if ((flags & 1) != 0) throw bad(path, "has an encrypted entry '" + name + "'");
            if (entries.containsKey(name)) throw bad(path, "has two entries named '" + name + "'");
            long dataStart = localDataStart(path, channel, name, localOffset, directoryOffset);
            checkSpan(path, name, method, compressed, size, dataStart, directoryOffset);
            entries.put(name, new Entry(name, method, compressed, size, crc, localOffset, dataStart));
            p = next;
        }
        if (declaredCount != entries.size()) {
            throw bad(path, "declares " + declaredCount + " entries but its central directory holds " + entries.size());
        }
        checkNoOverlap(path, entries.values());
        return new ZipIndex(path, channel, Collections.unmodifiableMap(entries));
    }

    /** An entry whose claimed size runs into the next entry would hand out another entry's bytes. */
    private static void checkNoOverlap(Path path, Collection<Entry> entries) throws WeightFormatException {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::localOffset));
        for (int i = 1; i < byOffset.size(); i++) {
            Entry previous = byOffset.get(i - 1);
            Entry next = byOffset.get(i);
            if (previous.dataStart() + previous.compressedSize() > next.localOffset()) {
                throw bad(path, "has entry '" + previous.name() + "' claiming " + previous.compressedSize()
                        + " bytes, which run into entry '" + next.name() + "' (corrupt or lying zip directory)");
            }
        }
    }

    /** {offset, size, entry count} of the central directory, from the (zip64) end record. */
    private static long[] findCentralDirectory(Path path, FileChannel channel, long fileSize) throws IOException {
        int tailLength = (int) Math.min(fileSize, 22 + 65535);
        if (tailLength < 22) throw bad(path, "is " + fileSize + " bytes long, too short to be a zip file (truncated?)");
        ByteBuffer tail = readAt(channel, fileSize - tailLength, tailLength);
        int end = -1;
        for (int i = tailLength - 22; i >= 0; i--) {
            if (tail.getInt(i) == 0x06054b50 && i + 22 + u16(tail, i + 20) == tailLength) {
                end = i;
                break;
            }
        }
        if (end < 0) throw bad(path, "has no zip end record: it is truncated, or not a torch zip checkpoint");
        long endPosition = fileSize - tailLength + end;
        long count = u16(tail, end + 10);
        long size = u32(tail, end + 12);
        long offset = u32(tail, end + 16);
        if (end >= 20 && tail.getInt(end - 20) == 0x07064b50) {
            long zip64End = tail.getLong(end - 20 + 8);
            if (zip64End < 0 || zip64End > endPosition - 20 - 56) throw bad(path, "has a damaged zip64 end locator");
            ByteBuffer record = readAt(channel, zip64End, 56);
            if (record.getInt(0) != 0x06064b50) throw bad(path, "has a damaged zip64 end record");
            count = record.getLong(32);
            size = record.getLong(40);
            offset = record.getLong(48);
        }
        if (offset < 0 || size < 0 || count < 0 || offset > endPosition || size > endPosition - offset) {
            throw bad(path, "declares a central directory of " + size + " bytes at offset " + offset
                    + ", beyond its " + fileSize + " bytes (truncated?)");
        }
        return new long[] {offset, size, count};
    }

    private static void readZip64Extra(Path path, String name, ByteBuffer cd, int start, int length, long[] wide)
            throws WeightFormatException {
        int p = start;
        while (p + 4 <= start + length) {
            int id = u16(cd, p);
            int blockLength = u16(cd, p + 2);
            if (p + 4 + blockLength > start + length) break;
            if (id == 0x0001) {
                int q = p + 4;
                for (int i = 0; i < wide.length; i++) {
                    if (wide[i] != 0xFFFFFFFFL) continue;
                    if (q + 8 > p + 4 + blockLength) throw bad(path, "has a short zip64 field for '" + name + "'");
                    wide[i] = cd.getLong(q);
                    q += 8;
                }
                return;
            }
            p += 4 + blockLength;
        }
    }

    private static long localDataStart(Path path, FileChannel channel, String name, long localOffset,
                                       long directoryOffset) throws IOException {
        if (localOffset < 0 || localOffset > directoryOffset - 30) {
            throw bad(path, "says entry '" + name + "' starts at byte " + localOffset + ", outside the file's data");
        }
        ByteBuffer header = readAt(channel, localOffset, 30);
        if (header.getInt(0) != 0x04034b50) throw bad(path, "has no local header where entry '" + name + "' should be");
        return localOffset + 30 + u16(header, 26) + u16(header, 28);
    }

    private static void checkSpan(Path path, String name, int method, long compressed, long size, long dataStart,
                                  long limit) throws WeightFormatException {
        if (compressed < 0 || size < 0 || dataStart > limit || compressed > limit - dataStart) {
            throw bad(path, "has entry '" + name + "' claiming " + compressed + " bytes at byte " + dataStart
                    + ", but the file's data ends at byte " + limit + " (truncated or corrupt)");
        }
        if (method == STORED && compressed != size) {
            throw bad(path, "has stored entry '" + name + "' whose sizes disagree (" + compressed + " vs " + size + ")");
        }
        if (method == DEFLATED && size / MAX_DEFLATE_RATIO > compressed + 1) {
            throw bad(path, "has entry '" + name + "' claiming to inflate " + compressed + " bytes to " + size);
        }
        if (method != STORED && method != DEFLATED) {
            throw bad(path, "has entry '" + name + "' in unsupported zip compression method " + method);
        }
    }

    /** Up to 2 GB of a stored entry, mapped read-only, little-endian. */
    ByteBuffer map(Entry entry, long offset, long length) throws IOException {
        if (entry.method() != STORED) throw new IllegalArgumentException("not a stored entry: " + entry.name());
        if (offset < 0 || length < 0 || offset > entry.size() || length > entry.size() - offset) {
            throw bad(path, "has no bytes [" + offset + ", " + (offset + length) + ") in entry '" + entry.name() + "'");
        }
        if (length > Integer.MAX_VALUE) {
            throw bad(path, "has a tensor of " + length + " bytes in '" + entry.name() + "', over the 2 GB mapping limit");
        }
        if (length == 0) return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
        MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, entry.dataStart() + offset, length);
        return mapped.order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A whole entry's bytes (mapped when stored, inflated into memory when deflated), refusing entries
     * over {@code limit} bytes and deflated data whose length or CRC differs from what the directory says.
     */
    ByteBuffer contents(Entry entry, long limit, boolean direct) throws IOException {
        if (entry.size() > limit) {
            throw bad(path, "has entry '" + entry.name() + "' of " + entry.size() + " bytes, over the limit of " + limit);
        }
        if (entry.method() == STORED) return map(entry, 0, entry.size());
        ByteBuffer compressed = channel.map(FileChannel.MapMode.READ_ONLY, entry.dataStart(), entry.compressedSize());
        ByteBuffer out = direct ? ByteBuffer.allocateDirect((int) entry.size()) : ByteBuffer.allocate((int) entry.size());
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(compressed);
            while (out.hasRemaining() && !inflater.finished()) {
                if (inflater.inflate(out) == 0 && (inflater.needsInput() || inflater.needsDictionary())) break;
            }
            boolean overflows = !inflater.finished() && inflater.inflate(ByteBuffer.allocate(1)) > 0;
            if (out.hasRemaining() || overflows) {
                throw bad(path, "has deflated entry '" + entry.name() + "' whose data does not inflate to the "
                        + entry.size() + " bytes its directory claims");
            }
        } catch (DataFormatException e) {
            throw bad(path, "has deflated entry '" + entry.name() + "' with corrupt data: " + e.getMessage());
        } finally {
            inflater.end();
        }
        out.flip();
        CRC32 crc = new CRC32();
        crc.update(out.duplicate());
        if (crc.getValue() != entry.crc()) throw bad(path, "has entry '" + entry.name() + "' failing its CRC check");
        return out.order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer readAt(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new WeightFormatException("unexpected end of file at byte " + (position + buffer.position()));
            }
        }
        return buffer.flip();
    }

    private static String decodeName(ByteBuffer cd, int start, int length) {
        byte[] bytes = new byte[length];
        cd.get(start, bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xffff;
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xffffffffL;
    }

    private static WeightFormatException bad(Path path, String what) {
        return new WeightFormatException("Checkpoint " + path + " " + what + ".");
    }
}
