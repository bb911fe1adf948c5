package org.sdij.pipeline;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.sdij.GoldenFloats;
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
        try {
            return PipelineCases.all(pipeline).map(PipelineCases.Case::folder).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CaseTensors open(Path caseDir) throws IOException {
        return new CaseTensors(caseDir, PipelineCases.Case.of(caseDir).manifest(),
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
        return GoldenFloats.read(file, name);
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

    private TensorInfo info(String name) {
        TensorInfo info = file.info(name);
        if (info == null) throw new IllegalArgumentException(dir + " has no tensor " + name);
        return info;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
