package org.sdij.io.names;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.sdij.Reference;
import org.sdij.io.TensorAsserts;

/**
 * The tables expanded for the real SD configs need exactly the tensors that diffusers and the original
 * LDM modules have (counts per top-level group from {@code configs/summary.json} and
 * {@code configs/ldm_crosscheck.json}), without any real weights.
 */
@Tag("golden")
class NameTablesRealConfigsTest {

    @TestFactory
    Stream<DynamicTest> realConfigsNeedTheReferenceTensorCounts() throws IOException {
        Path configs = Reference.resolve("configs");
        JsonObject summary = TensorAsserts.readJson(configs.resolve("summary.json")).getAsJsonObject("models");
        JsonObject crosscheck = TensorAsserts.readJson(configs.resolve("ldm_crosscheck.json"));
        List<DynamicTest> tests = new ArrayList<>();
        for (String kind : summary.keySet()) {
            Path dir = configs.resolve(kind);
            JsonObject facts = summary.getAsJsonObject(kind);
            JsonObject ldm = crosscheck.getAsJsonObject(kind);
            tests.add(DynamicTest.dynamicTest(kind + " unet", () -> {
                NameMap map = NameTables.unet(TensorAsserts.readJson(dir.resolve("unet_config.json")));
                JsonObject unet = facts.getAsJsonObject("unet");
                assertEquals(unet.get("diffusers_tensor_count").getAsInt(), map.targetNames().size());
                assertEquals(counts(unet.getAsJsonObject("diffusers_top_level_counts")), topLevel(map.targetNames()));
                // the x4 single-file counts in summary.json come from a script that cannot convert x4: use the LDM modules'
                assertEquals(ldm.get("ldm_unet_tensor_count").getAsInt(), map.sourceNames().size());
                assertEquals(counts(ldm.getAsJsonObject("ldm_unet_top_level_counts")), topLevel(map.sourceNames()));
            }));
            tests.add(DynamicTest.dynamicTest(kind + " vae", () -> {
                NameMap map = NameTables.vae(TensorAsserts.readJson(dir.resolve("vae_config.json")));
                JsonObject vae = facts.getAsJsonObject("vae");
                assertEquals(vae.get("diffusers_tensor_count").getAsInt(), map.targetNames().size());
                assertEquals(counts(vae.getAsJsonObject("diffusers_top_level_counts")), topLevel(map.targetNames()));
                assertEquals(ldm.get("ldm_vae_tensor_count").getAsInt(), map.sourceNames().size());
                assertEquals(counts(vae.getAsJsonObject("single_file_top_level_counts")), topLevel(map.sourceNames()));
                for (String name : ldm.getAsJsonObject("vae_attention_weight_shapes_ldm").keySet()) {
                    String local = name.substring(NameTables.VAE_PREFIX.length());
                    assertEquals("Squeeze[rank=2]", map.targets(local).get(0).transform().toString(), local);
                }
            }));
            tests.add(DynamicTest.dynamicTest(kind + " text", () -> {
                JsonObject config = TensorAsserts.readJson(dir.resolve("text_encoder_config.json"));
                JsonObject text = facts.getAsJsonObject("text_encoder");
                JsonObject single = text.getAsJsonObject("single_file");
                String prefix = single.get("prefix").getAsString();
                NameMap map = prefix.equals(NameTables.TEXT_PREFIX + NameTables.OPENCLIP_TEXT_MARK)
                        ? NameTables.openClipText(config) : NameTables.clipText(config);
                assertEquals(text.get("diffusers_tensor_count").getAsInt(), map.targetNames().size());
                for (Map.Entry<String, JsonElement> e : text.getAsJsonObject("diffusers_keys_prefix_counts").entrySet()) {
                    long n = map.targetNames().stream().filter(name -> name.startsWith(e.getKey())).count();
                    assertEquals(e.getValue().getAsInt(), n, e.getKey());
                }
                assertEquals(single.get("tensor_count_from_script").getAsInt(), map.sourceNames().size());
                String mark = prefix.substring(NameTables.TEXT_PREFIX.length());
                map.sourceNames().forEach(name -> assertEquals(true, name.startsWith(mark), name));
            }));
        }
        assertFalse(tests.isEmpty());
        return tests.stream();
    }

    private static Map<String, Integer> counts(JsonObject json) {
        Map<String, Integer> out = new TreeMap<>();
        json.entrySet().forEach(e -> out.put(e.getKey(), e.getValue().getAsInt()));
        return out;
    }

    private static Map<String, Integer> topLevel(Collection<String> names) {
        Map<String, Integer> out = new TreeMap<>();
        for (String name : names) out.merge(name.substring(0, name.indexOf('.')), 1, Integer::sum);
        return out;
    }
}
