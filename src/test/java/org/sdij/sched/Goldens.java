package org.sdij.sched;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sdij.GoldenFloats;
import org.sdij.Reference;
import org.sdij.io.SafeTensorsFile;
import org.sdij.random.NoiseSource;
import org.sdij.random.TorchGenerator;

/** The scheduler goldens under reference/schedulers/ (cases.json, tensors.safetensors), read once. */
final class Goldens {
    private Goldens() {}

    /** Case-name prefix in the goldens to the name {@link Samplers#create} takes. */
    static final Map<String, String> SAMPLER_NAMES = Map.of(
            "ddim", "ddim", "pndm_plms", "pndm", "lms", "lms", "euler", "euler",
            "euler_ancestral", "euler_a", "dpmpp_2m", "dpmpp_2m", "dpmpp_2m_karras", "dpmpp_2m_karras",
            "ddpm", "ddpm");

    static final String CASES = "schedulers/cases.json";
    private static final Pattern MANUAL_SEED = Pattern.compile("manual_seed\\((\\d+)\\)");

    private static JsonObject cases;
    private static SafeTensorsFile tensors;

    static synchronized JsonObject cases() {
        if (cases == null) cases = readJson(Reference.resolve(CASES));
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
            return GoldenFloats.read(tensors, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized boolean hasTensor(String name) {
        tensor("alphas_cumprod/sd"); // opens the file
        return tensors.contains(name);
    }

    /**
     * The step generator a case's {@code step_kwargs} names ({@code "Generator('cpu').manual_seed(N)"}), fresh at
     * the start of the loop as the goldens drew it; null when the case's steps take no generator.
     */
    static NoiseSource stepGenerator(JsonObject stepKwargs) {
        if (!stepKwargs.has("generator")) return null;
        String generator = stepKwargs.get("generator").getAsString();
        Matcher seed = MANUAL_SEED.matcher(generator);
        if (!seed.find()) throw new IllegalStateException("step_kwargs generator without a seed: " + generator);
        return new TorchGenerator(Long.parseLong(seed.group(1)));
    }

    /** The sampler of a golden case "prefix__prediction", built from the base SD config as pipelines do. */
    static Sampler samplerFor(String caseName) {
        String[] parts = caseName.split("__");
        JsonObject base = cases().getAsJsonObject("base_config").deepCopy();
        base.addProperty("prediction_type", parts[1]);
        return Samplers.create(SAMPLER_NAMES.get(parts[0]), SchedulerConfig.fromJson(base));
    }
}
