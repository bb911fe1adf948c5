package org.sdij.io.names;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sdij.io.FakeSource;
import org.sdij.io.RenamedSource;
import org.sdij.io.WeightFormatException;

class RenameTableTest {

    private static final List<String> TABLE = List.of(
            "# a comment",
            "@alias\told.\tnew.",
            "@once",
            "new.a\tA",
            "skip.me\t-",
            "skipped.\t-",
            "@each block",
            "blocks.{i}.\tB.{i}.\t@inner",
            "@table inner",
            "packed\tq\trows:0/2",
            "packed\tk\trows:1/2",
            "conv\tlinear\tsqueeze:2");

    private static final Map<String, List<Map<String, String>>> TWO_BLOCKS =
            Map.of("block", List.of(Map.of("i", "0"), Map.of("i", "1")));

    @Test
    void expandsSectionsTablesAndTransforms() throws Exception {
        NameMap map = RenameTable.parse("test", TABLE).expand(TWO_BLOCKS);
        assertEquals(Set.of("A", "B.0.q", "B.0.k", "B.0.linear", "B.1.q", "B.1.k", "B.1.linear"), map.targetNames());
        assertEquals(Set.of("new.a", "blocks.0.packed", "blocks.0.conv", "blocks.1.packed", "blocks.1.conv"),
                map.sourceNames());
        assertTrue(map.ignores("skip.me") && map.ignores("skipped.x.y") && !map.ignores("skip.me.too"));

        FakeSource file = new FakeSource().with("p.old.a", 3).with("p.blocks.0.packed", 4, 2)
                .with("p.blocks.0.conv", 2, 2, 1, 1).with("p.skip.me", 1).with("p.skipped.deep.x", 1)
                .with("p.blocks.7.conv", 1).with("other.thing", 1);
        RenamedSource view = map.view(file, "p.");
        // unknown names stay visible under their full name so a strict loader lists them as unexpected
        assertEquals(Set.of("A", "B.0.q", "B.0.k", "B.0.linear", "p.blocks.7.conv"), view.names());
        assertArrayEquals(new long[] {2, 2}, view.info("B.0.k").shape());
        assertArrayEquals(new long[] {2, 2}, view.info("B.0.linear").shape());
        try (NDManager manager = NDManager.newBaseManager()) {
            assertArrayEquals(new float[] {4, 5, 6, 7}, view.load("B.0.k", manager).toFloatArray());
        }
        assertEquals(Set.of("blocks.1.packed", "blocks.1.conv"), map.missingIn(file, "p."));
    }

    @Test
    void bothSpellingsOfOneTensorAreAnError() {
        NameMap map = RenameTable.parse("test", TABLE).expand(TWO_BLOCKS);
        FakeSource file = new FakeSource().with("old.a", 1).with("new.a", 1);
        var e = assertThrows(WeightFormatException.class, () -> map.view(file, ""));
        assertTrue(e.getMessage().contains("old.a") && e.getMessage().contains("new.a"), e.getMessage());
    }

    @Test
    void keepRestPassesUnknownNamesThrough() throws Exception {
        NameMap map = RenameTable.parse("t", List.of("@rest keep", "@once", "x.query\tx.to_q")).expand(Map.of());
        RenamedSource view = map.view(new FakeSource().with("x.query", 1).with("y", 1), "");
        assertEquals(Set.of("x.to_q", "y"), view.names());
    }

    @Test
    void malformedTablesNameTheLine() {
        assertMessage("line 2", () -> RenameTable.parse("t", List.of("@once", "a\tb\tturn:90")).expand(Map.of()));
        assertMessage("line 1", () -> RenameTable.parse("t", List.of("@sometimes")));
        assertMessage("line 1", () -> RenameTable.parse("t", List.of("a\tb")));
        assertMessage("no @table", () -> RenameTable.parse("t", List.of("@once", "a\tb\t@nothing")).expand(Map.of()));
        assertMessage("{i}", () -> RenameTable.parse("t", List.of("@once", "a.{i}\tb")).expand(Map.of()));
        assertMessage("layout 'block'", () -> RenameTable.parse("t", List.of("@each block", "a\tb")).expand(Map.of()));
        assertMessage("maps both", () -> RenameTable.parse("t", List.of("@once", "a\tb", "c\tb")).expand(Map.of()));
    }

    @Test
    void shippedTablesParse() {
        for (String table : List.of("unet.tsv", "vae.tsv", "clip_text.tsv", "openclip_text.tsv", "vae_diffusers_legacy.tsv")) {
            RenameTable.load(table);
        }
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
