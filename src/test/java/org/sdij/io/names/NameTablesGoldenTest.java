package org.sdij.io.names;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.sdij.io.TensorAsserts.assertBitEqual;
import static org.sdij.io.TensorAsserts.assertSameNames;
import static org.sdij.io.TensorAsserts.readJson;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.sdij.Reference;
import org.sdij.io.RenamedSource;
import org.sdij.io.SafeTensorsFile;

/**
 * Every single-file copy of a tiny network in {@code models/} renamed by the tables equals its diffusers
 * copy: the same names (and exactly the names the table expects for the config) and bit-identical tensors.
 */
@Tag("golden")
class NameTablesGoldenTest {

    @TestFactory
    Stream<DynamicTest> unetAndVaeSingleFilesEqualDiffusersFolders() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Reference.resolve("models"))) {
            for (Path dir : dirs.sorted().toList()) {
                Path single = dir.resolve("single_file.safetensors");
                if (!Files.exists(single)) continue;
                if (Files.isDirectory(dir.resolve("unet"))) {
                    tests.add(DynamicTest.dynamicTest(dir.getFileName() + " unet", () -> {
                        JsonObject config = readJson(dir.resolve("unet/config.json"));
                        checkEqual(NameTables.unet(config), single, NameTables.UNET_PREFIX,
                                dir.resolve("unet/diffusion_pytorch_model.safetensors"));
                    }));
                }
                if (Files.isDirectory(dir.resolve("vae"))) {
                    tests.add(DynamicTest.dynamicTest(dir.getFileName() + " vae", () -> {
                        JsonObject config = readJson(dir.resolve("vae/config.json"));
                        checkEqual(NameTables.vae(config), single, NameTables.VAE_PREFIX,
                                dir.resolve("vae/diffusion_pytorch_model.safetensors"));
                    }));
                }
            }
        }
        assertFalse(tests.isEmpty(), "no single-file models under " + Reference.resolve("models"));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> openClipSingleFileEqualsHfTextEncoder() {
        Path clip = Reference.resolve("models/clip-text");
        return Stream.of(DynamicTest.dynamicTest("clip-text openclip -> text_encoder_sd2", () -> {
            JsonObject config = readJson(clip.resolve("text_encoder_sd2/config.json"));
            // the file holds every layer; the config's num_hidden_layers leaves the last one out
            checkEqual(NameTables.openClipText(config), clip.resolve("openclip_single_file.safetensors"),
                    NameTables.TEXT_PREFIX, clip.resolve("text_encoder_sd2/model.safetensors"), "model.text_projection",
                    "model.transformer.resblocks." + config.get("num_hidden_layers").getAsInt() + ".");
        }));
    }

    /**
     * {@code map} over {@code single} under {@code prefix} gives exactly the tensors of {@code folderFile}.
     * {@code ignoredSources} lists what the single file may hold beyond the table's sources (prefixes end in '.').
     */
    static void checkEqual(NameMap map, Path single, String prefix, Path folderFile, String... ignoredSources)
            throws IOException {
        try (SafeTensorsFile file = SafeTensorsFile.open(single);
             SafeTensorsFile folder = SafeTensorsFile.open(folderFile);
             NDManager manager = NDManager.newBaseManager()) {
            RenamedSource renamed = map.view(file, prefix);
            assertSameNames(folder.names(), renamed.names(), "renamed names of " + single);
            assertSameNames(folder.names(), map.targetNames(),
                    "names the table expects for " + folderFile.getParent().resolve("config.json"));
            TreeSet<String> sources = new TreeSet<>();
            for (String name : file.names()) {
                if (!name.startsWith(prefix)) continue;
                String local = name.substring(prefix.length());
                if (!isIgnored(local, ignoredSources)) sources.add(local);
                else assertEquals(true, map.ignores(local), local + " should be ignored by " + map.table());
            }
            assertSameNames(sources, map.sourceNames(), "source names the table expects");
            for (String name : folder.names()) assertBitEqual(folder, renamed, name, manager);
        }
    }

    private static boolean isIgnored(String local, String[] ignoredSources) {
        for (String ignored : ignoredSources) {
            if (ignored.endsWith(".") ? local.startsWith(ignored) : local.equals(ignored)) return true;
        }
        return false;
    }

}
