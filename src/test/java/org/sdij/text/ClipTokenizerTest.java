package org.sdij.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;

/**
 * Every case of {@code tokenizer/cases.json} through four tokenizers: the tiny SD 1 and SD 2 folders
 * (vocab.json + merges.txt, pad token from special_tokens_map.json) and the bundled vocabulary with
 * either padding.
 */
@Tag("golden")
class ClipTokenizerTest {

    private static final long SD1_PAD = 49407;
    private static final long SD2_PAD = 0;

    private record Named(String name, ClipTokenizer tokenizer, long expectedPad) {}

    private static final List<Named> TOKENIZERS = new ArrayList<>();
    private static List<JsonObject> cases;

    @BeforeAll
    static void load() throws IOException {
        TOKENIZERS.add(new Named("folder sd1", ClipTokenizer.fromFolder(Reference.resolve("tiny-models/sd1/tokenizer")), SD1_PAD));
        TOKENIZERS.add(new Named("folder sd2-v", ClipTokenizer.fromFolder(Reference.resolve("tiny-models/sd2-v/tokenizer")), SD2_PAD));
        TOKENIZERS.add(new Named("bundled sd1", ClipTokenizer.bundled(ClipTokenizer.SD1_PAD_TOKEN), SD1_PAD));
        TOKENIZERS.add(new Named("bundled sd2", ClipTokenizer.bundled(ClipTokenizer.SD2_PAD_TOKEN), SD2_PAD));
        JsonObject root = JsonParser.parseString(Files.readString(Reference.resolve("tokenizer/cases.json"))).getAsJsonObject();
        cases = new ArrayList<>();
        root.getAsJsonArray("cases").forEach(c -> cases.add(c.getAsJsonObject()));
    }

    @AfterAll
    static void close() {
        TOKENIZERS.forEach(t -> t.tokenizer().close());
        TOKENIZERS.clear();
    }

    @Test
    void padIdsFollowTheFolders() {
        for (Named t : TOKENIZERS) {
            assertEquals(t.expectedPad(), t.tokenizer().padId(), t.name());
            assertEquals(49406, t.tokenizer().startId(), t.name());
            assertEquals(49407, t.tokenizer().endId(), t.name());
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCaseGivesTheReferenceIds() {
        assertTrue(cases.size() > 0, "cases.json holds no cases");
        return TOKENIZERS.stream().flatMap(t -> cases.stream().map(c -> DynamicTest.dynamicTest(
                t.name() + " " + c.get("id").getAsString(), () -> checkCase(t, c))));
    }

    /**
     * The Rust tokenizer gives {@code hf_tokenizers_ids}, wrapped as CLIP does. Where the reference says
     * those equal the Python tokenizers' ids (all prompts without ftfy/HTML repairs and, for SD 2, without
     * OpenCLIP's other special-token spelling), the 77 ids must also equal the Python 77-id column.
     */
    private static void checkCase(Named t, JsonObject c) {
        String prompt = c.get("prompt").getAsString();
        long[] hfTokens = longs(c.getAsJsonArray("hf_tokenizers_ids"));
        long[] actual = t.tokenizer().encode(prompt);

        assertArrayEquals(hfTokens, t.tokenizer().tokens(prompt), "tokens of " + prompt);
        assertArrayEquals(wrap(hfTokens, t.expectedPad()), actual, "77 ids of " + prompt);
        assertEquals(c.get("truncated").getAsBoolean(), t.tokenizer().truncates(prompt));

        boolean sameAsPython = c.get("hf_tokenizers_equals_simple").getAsBoolean();
        if (t.expectedPad() == SD1_PAD && sameAsPython) {
            assertArrayEquals(longs(c.getAsJsonArray("sd1_input_ids")), actual, "sd1_input_ids of " + prompt);
        }
        if (t.expectedPad() == SD2_PAD && sameAsPython && c.get("open_clip_ids_equal_simple").getAsBoolean()) {
            assertArrayEquals(longs(c.getAsJsonArray("sd2_open_clip_input_ids")), actual,
                    "sd2_open_clip_input_ids of " + prompt);
        }
    }

    /** The reference's ids must reach the golden columns by the wrapping rule, so the rule itself is checked. */
    @Test
    void wrappingRuleMatchesThePythonColumns() {
        int checked = 0;
        for (JsonObject c : cases) {
            long[] simple = longs(c.getAsJsonArray("openai_simple_ids"));
            assertArrayEquals(longs(c.getAsJsonArray("sd1_input_ids")), wrap(simple, SD1_PAD), c.get("id").getAsString());
            if (c.get("open_clip_ids_equal_simple").getAsBoolean()) {
                assertArrayEquals(longs(c.getAsJsonArray("sd2_open_clip_input_ids")), wrap(simple, SD2_PAD));
                checked++;
            }
        }
        assertTrue(checked > 50);
    }

    @Test
    void batchEncodesRowByRow() {
        ClipTokenizer tokenizer = TOKENIZERS.get(0).tokenizer();
        long[][] rows = tokenizer.encode(List.of("a cat", "", "a dog"));
        assertEquals(3, rows.length);
        assertArrayEquals(tokenizer.encode("a dog"), rows[2]);
        assertEquals(49407, rows[1][1]);
    }

    @Test
    void folderWithTokenizerJsonIsUsedAsIs(@TempDir Path dir) throws IOException {
        Files.copy(Reference.resolve("tokenizer/tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": {\"content\": \"!\", \"lstrip\": false}}");
        try (ClipTokenizer tokenizer = ClipTokenizer.fromFolder(dir)) {
            assertEquals(0, tokenizer.padId());
            JsonObject c = cases.get(0);
            long[] expected = longs(c.getAsJsonArray("sd2_open_clip_input_ids"));
            assertArrayEquals(expected, tokenizer.encode(c.get("prompt").getAsString()));
        }
    }

    @Test
    void brokenFoldersSayWhatIsWrong(@TempDir Path dir) throws IOException {
        IOException empty = assertThrows(IOException.class, () -> ClipTokenizer.fromFolder(dir));
        assertTrue(empty.getMessage().contains("vocab.json"), empty.getMessage());

        Files.writeString(dir.resolve("vocab.json"), "{\"a</w>\": 0, \"<|startoftext|>\": 1, \"<|endoftext|>\": 2}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b c\n");
        IOException merges = assertThrows(IOException.class, () -> ClipTokenizer.fromFolder(dir));
        assertTrue(merges.getMessage().contains("line 2"), merges.getMessage());

        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": \"<pad>\"}");
        IOException pad = assertThrows(IOException.class, () -> ClipTokenizer.fromFolder(dir));
        assertTrue(pad.getMessage().contains("'<pad>'"), pad.getMessage());
    }

    private static long[] wrap(long[] tokens, long pad) {
        long[] ids = new long[77];
        Arrays.fill(ids, pad);
        ids[0] = 49406;
        int kept = Math.min(75, tokens.length);
        System.arraycopy(tokens, 0, ids, 1, kept);
        ids[kept + 1] = 49407;
        return ids;
    }

    private static long[] longs(JsonArray array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).getAsLong();
        return out;
    }
}
