package org.sdij.sched;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.sdij.Reference;
import org.sdij.io.DType;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.TensorInfo;

/** The scheduler goldens under reference/schedulers/ (cases.json, tensors.safetensors), read once. */
final class Goldens {
    private Goldens() {}

    /** Case-name prefix in the goldens to the name {@link Samplers#create} takes. */
    static final Map<String, String> SAMPLER_NAMES = Map.of(
            "ddim", "ddim", "pndm_plms", "pndm", "lms", "lms", "euler", "euler",
            "euler_ancestral", "euler_a", "dpmpp_2m", "dpmpp_2m", "dpmpp_2m_karras", "dpmpp_2m_karras",
            "ddpm", "ddpm");

    private static JsonObject cases;
    private static SafeTensorsFile tensors;

    static synchronized JsonObject cases() {
        if (cases == null) cases = readJson(Reference.resolve("schedulers/cases.json"));
        return cases;
    }

    static JsonObject readJson(Path path) {
        try {
            return JsonParser.parseString(Files.readString(path)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized float[] tensor(String name) {
        try {
            if (tensors == null) tensors = SafeTensorsFile.open(Reference.resolve("schedulers/tensors.safetensors"));
            TensorInfo info = tensors.info(name);
            if (info == null) throw new IllegalArgumentException("No golden tensor " + name);
            if (info.dtype() != DType.F32) throw new IllegalStateException(name + " is " + info.dtype());
            ByteBuffer bytes = tensors.bytes(name);
            float[] out = new float[bytes.remaining() / 4];
            bytes.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized boolean hasTensor(String name) {
        tensor("alphas_cumprod/sd"); // opens the file
        return tensors.contains(name);
    }

    /** The sampler of a golden case "prefix__prediction", built from the base SD config as pipelines do. */
    static Sampler samplerFor(String caseName) {
        String[] parts = caseName.split("__");
        JsonObject base = cases().getAsJsonObject("base_config").deepCopy();
        base.addProperty("prediction_type", parts[1]);
        return Samplers.create(SAMPLER_NAMES.get(parts[0]), SchedulerConfig.fromJson(base));
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
}
