package org.sdij.pipeline;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.sdij.Reference;
import org.sdij.io.DType;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.TensorInfo;

/** Reads the whole-pipeline goldens (reference/pipelines/CASE/) and this package's test resources. */
final class CaseTensors implements AutoCloseable {
    final Path dir;
    final JsonObject manifest;
    private final SafeTensorsFile file;

    private CaseTensors(Path dir, JsonObject manifest, SafeTensorsFile file) {
        this.dir = dir;
        this.manifest = manifest;
        this.file = file;
    }

    /** The case folders under reference/pipelines whose manifest spec.pipeline is {@code pipeline}. */
    static List<Path> casesOf(String pipeline) {
        Path root = Reference.resolve("pipelines");
        List<Path> found = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.sorted().toList()) {
                Path manifest = dir.resolve("manifest.json");
                if (Files.isRegularFile(manifest)
                        && readJson(manifest).getAsJsonObject("spec").get("pipeline").getAsString().equals(pipeline)) {
                    found.add(dir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    static CaseTensors open(Path caseDir) throws IOException {
        return new CaseTensors(caseDir, readJson(caseDir.resolve("manifest.json")),
                SafeTensorsFile.open(caseDir.resolve("golden.safetensors")));
    }

    /** A tensor file among this package's test resources. */
    static SafeTensorsFile resource(String name) throws IOException {
        try {
            return SafeTensorsFile.open(Path.of(CaseTensors.class.getResource(name).toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean has(String name) {
        return file.contains(name);
    }

    long[] shape(String name) {
        return info(name).shape();
    }

    float[] floats(String name) throws IOException {
        return floats(file, name);
    }

    /** A U8 tensor as ints 0..255. */
    int[] bytes(String name) throws IOException {
        TensorInfo info = info(name);
        if (info.dtype() != DType.U8) throw new IllegalStateException(name + " is " + info.dtype());
        ByteBuffer bytes = file.bytes(name);
        int[] out = new int[bytes.remaining()];
        for (int i = 0; i < out.length; i++) out[i] = bytes.get(i) & 0xFF;
        return out;
    }

    static float[] floats(SafeTensorsFile file, String name) throws IOException {
        TensorInfo info = file.info(name);
        if (info == null) throw new IllegalArgumentException(file.path() + " has no tensor " + name);
        if (info.dtype() != DType.F32) throw new IllegalStateException(name + " is " + info.dtype());
        float[] out = new float[(int) info.elementCount()];
        file.bytes(name).asFloatBuffer().get(out);
        return out;
    }

    private TensorInfo info(String name) {
        TensorInfo info = file.info(name);
        if (info == null) throw new IllegalArgumentException(dir + " has no tensor " + name);
        return info;
    }

    static JsonObject readJson(Path path) {
        try {
            return JsonParser.parseString(Files.readString(path)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double maxAbsDiff(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != " + expected.length);
        }
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            if (!(d <= max)) max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
        }
        return max;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
