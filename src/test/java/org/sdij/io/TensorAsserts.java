package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/** Assertions over tensor sources shared by the io tests. */
public final class TensorAsserts {
    private TensorAsserts() {}

    /** Equal sets, reported as what is missing and what is extra. */
    public static void assertSameNames(Set<String> expected, Set<String> actual, String what) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        Set<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        assertTrue(missing.isEmpty() && extra.isEmpty(), what + ": missing " + missing + ", extra " + extra);
    }

    /** Same shape, dtype and bytes. */
    public static void assertBitEqual(TensorSource expected, TensorSource actual, String name, NDManager manager)
            throws IOException {
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = expected.load(name, scope);
            NDArray b = actual.load(name, scope);
            assertEquals(a.getShape(), b.getShape(), name + " shape");
            assertEquals(a.getDataType(), b.getDataType(), name + " dtype");
            assertArrayEquals(a.toByteArray(), b.toByteArray(), name + " bytes");
        }
    }

    /** Every tensor of {@code expected} is in {@code actual}, bit for bit, and nothing else is. */
    public static void assertSameTensors(TensorSource expected, TensorSource actual, String what) throws IOException {
        assertSameNames(expected.names(), actual.names(), what);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (String name : expected.names()) assertBitEqual(expected, actual, name, manager);
        }
    }

    public static JsonObject readJson(Path path) throws IOException {
        return JsonParser.parseString(Files.readString(path)).getAsJsonObject();
    }
}
