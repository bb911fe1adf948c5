package org.sdij.nn.dpt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import java.util.Set;
import org.sdij.io.DType;
import org.sdij.io.TensorInfo;
import org.sdij.io.TensorSource;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sdij.Reference;
import org.sdij.nn.Weights;

/**
 * The real SD 2 depth estimator ({@code configs/dpt-hybrid-midas}): its config.json reads as the preset the
 * benchmark builds, and the network built from it asks for exactly the parameters transformers' model has (names
 * and shapes from parameters.json), less the ones it lists as unused for depth. No real weights: zeros, fp16.
 */
@Tag("golden")
class DptRealConfigTest {

    private static JsonObject json(Path file) throws Exception {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    @Test
    void theRealConfigIsThePresetAndNeedsTransformersParameters() throws Exception {
        Path dir = Reference.resolve("configs/dpt-hybrid-midas");
        DptConfig config = DptConfig.fromJson(json(dir.resolve("config.json")));
        assertEquals(describe(DptConfig.midasHybrid()), describe(config));

        JsonObject facts = json(dir.resolve("parameters.json"));
        Map<String, String> expected = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : facts.getAsJsonObject("parameters").entrySet()) {
            expected.put(e.getKey(), e.getValue().toString().replace(" ", ""));
        }
        for (JsonElement unused : facts.getAsJsonArray("unused_in_depth_forward")) expected.remove(unused.getAsString());
        Map<String, String> requested = new TreeMap<>();
        ZeroSource checkpoint = new ZeroSource(facts.getAsJsonObject("parameters"));
        try (NDManager manager = NDManager.newBaseManager()) {
            Weights weights = Weights.of(checkpoint, manager, DataType.FLOAT16);
            DptForDepthEstimation.load(config, weights); // strict: a checkpoint of every parameter loads
            weights.requested().forEach((name, shape) -> requested.put(name, Arrays.toString(shape).replace(" ", "")));
        }
        assertEquals(expected, requested);
    }

    /** A checkpoint of transformers' parameter names and shapes whose tensors are zeros (no file, little memory). */
    private record ZeroSource(JsonObject shapes) implements TensorSource {
        public String origin() {
            return "parameters.json";
        }

        public Set<String> names() {
            return shapes.keySet();
        }

        public TensorInfo info(String name) {
            if (!shapes.has(name)) return null;
            JsonArray a = shapes.getAsJsonArray(name);
            long[] shape = new long[a.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = a.get(i).getAsLong();
            return new TensorInfo(name, DType.F32, shape);
        }

        public NDArray load(String name, NDManager manager) {
            return load(name, manager, DataType.FLOAT32);
        }

        public NDArray load(String name, NDManager manager, DataType dtype) {
            return manager.zeros(new Shape(info(name).shape()), dtype);
        }
    }

    /** Every component, arrays by content. */
    private static String describe(Record r) throws Exception {
        StringBuilder s = new StringBuilder();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object v = c.getAccessor().invoke(r);
            String text = v instanceof int[] a ? Arrays.toString(a) : v instanceof double[] d ? Arrays.toString(d)
                    : v instanceof Record inner ? describe(inner) : String.valueOf(v);
            s.append(c.getName()).append('=').append(text).append(' ');
        }
        return s.toString();
    }
}
