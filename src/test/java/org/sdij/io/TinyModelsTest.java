package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sdij.Reference;
import org.sdij.io.ModelFiles.Component;
import org.sdij.io.ModelKind.Family;
import org.sdij.io.ModelKind.Prediction;

/**
 * The whole tiny models of {@code tiny-models/}, as diffusers folders and as single files: the kind each
 * is detected as matches the README's table, and the single file's renamed tensors are the folder's, bit for bit.
 */
@Tag("golden")
class TinyModelsTest {

    /** One row of the README table: | `name` | like | `folder/` | `file` | UNet | text semantics | scheduler |. */
    record Row(String name, Path folder, Path singleFile, Family family, int inChannels, Prediction prediction) {}

    static List<Row> rows() throws IOException {
        Path dir = Reference.resolve("tiny-models");
        List<Row> rows = new ArrayList<>();
        Pattern channels = Pattern.compile("(\\d+) ch");
        for (String line : Files.readAllLines(dir.resolve("README.md"))) {
            if (!line.startsWith("| `")) continue;
            String[] cells = line.split("\\|");
            Matcher ch = channels.matcher(cells[5]);
            rows.add(new Row(code(cells[1]), dir.resolve(code(cells[3])), dir.resolve(code(cells[4])),
                    cells[6].trim().startsWith("SD2") ? Family.SD2 : Family.SD1,
                    ch.find() ? Integer.parseInt(ch.group(1)) : 4,
                    cells[7].contains("v-prediction") ? Prediction.V_PREDICTION : Prediction.EPSILON));
        }
        return rows;
    }

    private static String code(String cell) {
        return cell.trim().replace("`", "");
    }

    @Test
    void readmeTableCoversEveryTinyModel() throws IOException {
        List<String> listed = rows().stream().map(Row::name).sorted().toList();
        try (Stream<Path> s = Files.list(Reference.resolve("tiny-models"))) {
            assertEquals(s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList(), listed);
        }
        assertTrue(!listed.isEmpty(), "the README lists no tiny model");
    }

    @TestFactory
    Stream<DynamicTest> foldersAndSingleFilesGiveTheKindAndTheSameTensors() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Row row : rows()) {
            tests.add(DynamicTest.dynamicTest(row.name(), () -> {
                try (ModelFiles folder = ModelLocator.open(row.folder().toString());
                     ModelFiles single = ModelLocator.open(row.singleFile(),
                             ModelOptions.DEFAULT.withConfigFolder(row.folder()))) {
                    checkKind(row, folder);
                    checkKind(row, single);
                    assertEquals(ModelFiles.Format.DIFFUSERS_FOLDER, folder.format());
                    assertEquals(ModelFiles.Format.SINGLE_FILE, single.format());
                    assertEquals(row.folder().resolve("tokenizer"), folder.tokenizerDir());
                    assertEquals(row.singleFile().getFileName().toString().replace(".safetensors", ""), single.name());
                    boolean upscaler = row.inChannels() == ModelKind.Task.UPSCALE_X4.unetInChannels;
                    assertEquals(upscaler, folder.config(Component.LOW_RES_SCHEDULER) != null);
                    assertEquals(upscaler, single.config(Component.LOW_RES_SCHEDULER) != null);
                    for (Component c : List.of(Component.UNET, Component.VAE, Component.TEXT_ENCODER)) {
                        TensorAsserts.assertSameTensors(folder.weights(c), single.weights(c), row.name() + " " + c);
                    }
                }
            }));
        }
        return tests.stream();
    }

    private static void checkKind(Row row, ModelFiles model) {
        ModelKind kind = model.kind();
        assertEquals(row.family(), kind.family(), model.name());
        assertEquals(row.inChannels(), kind.task().unetInChannels, model.name());
        assertEquals(row.prediction(), kind.prediction(), model.name());
        assertEquals(row.prediction().configName,
                model.config(Component.SCHEDULER).get("prediction_type").getAsString());
        assertEquals(row.inChannels(), model.config(Component.UNET).get("in_channels").getAsInt());
    }

    /** Without their folder's configs, the tiny files are detected from shapes and then do not fit the real preset. */
    @TestFactory
    Stream<DynamicTest> singleFilesAgainstPresetsNameTheMismatch() throws IOException {
        return rows().stream().map(row -> DynamicTest.dynamicTest(row.name(), () -> {
            ModelKind expected = new ModelKind(row.family(), ModelKind.Task.ofInChannels(row.inChannels()),
                    ModelKind.defaultPrediction(row.family(), ModelKind.Task.ofInChannels(row.inChannels())));
            var e = assertThrows(WeightFormatException.class, () -> ModelLocator.open(row.singleFile().toString()));
            assertTrue(e.getMessage().contains("does not fit the " + expected.preset() + " preset"), e.getMessage());
            assertTrue(e.getMessage().contains(row.singleFile().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("config folder"), e.getMessage());
        }));
    }

    @Test
    void predictionOverrideChoosesSd2BaseOver768v() throws IOException {
        Row row = rows().stream().filter(r -> r.family() == Family.SD2 && r.inChannels() == 4).findFirst().orElseThrow();
        ModelOptions epsilon = ModelOptions.DEFAULT.withPrediction(Prediction.EPSILON);
        try (ModelFiles folder = ModelLocator.open(row.folder(), epsilon);
             ModelFiles single = ModelLocator.open(row.singleFile(), epsilon.withConfigFolder(row.folder()))) {
            for (ModelFiles model : List.of(folder, single)) {
                assertEquals("sd2_base_512", model.kind().preset());
                assertEquals("epsilon", model.config(Component.SCHEDULER).get("prediction_type").getAsString());
                assertTrue(model.notes().stream().anyMatch(n -> n.contains("replaces")), model.notes().toString());
            }
        }
    }

    @Test
    void componentViewsDoNotCloseTheSharedFile() throws IOException {
        Row row = rows().get(0);
        try (ModelFiles single = ModelLocator.open(row.singleFile(), ModelOptions.DEFAULT.withConfigFolder(row.folder()));
             NDManager manager = NDManager.newBaseManager()) {
            single.weights(Component.UNET).close();
            assertNotNull(single.weights(Component.VAE).load("encoder.conv_in.weight", manager));
            assertEquals(row.folder().resolve("tokenizer"), single.tokenizerDir());
        }
    }
}
