package org.sdij.io.names;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sdij.io.RenamedSource.Identity;
import org.sdij.io.RenamedSource.RowBlock;
import org.sdij.io.RenamedSource.Squeeze;
import org.sdij.io.RenamedSource.Transform;

/**
 * One name table resource as written ({@code org/sdij/io/names/*.tsv}), before it is expanded for a
 * config. Lines are {@code source TAB target [TAB transform | @table]}; a target of {@code -} ignores the
 * source (a source ending in '.' ignores everything under it). Directives:
 * <ul>
 *   <li>{@code @once} / {@code @each LAYOUT}: the lines below apply once, or once per row of that layout,
 *       with the row's values put in for {@code {name}} placeholders;</li>
 *   <li>{@code @table NAME}: lines that a line ending in {@code @NAME} applies under its own source and
 *       target prefixes;</li>
 *   <li>{@code @alias TAB FROM TAB TO}: source names starting with FROM are read as starting with TO;</li>
 *   <li>{@code @rest keep}: names no line maps keep their name (default: they are left over, reported
 *       as unexpected).</li>
 * </ul>
 * Transforms: {@code squeeze:RANK} and {@code rows:INDEX/COUNT} (see {@link org.sdij.io.RenamedSource}).
 */
final class RenameTable {

    private record Line(String source, String target, String transform, int number) {}

    private record Section(String layout, List<Line> lines) {}

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)}");
    private static final int MAX_NESTING = 4;

    private final String name;
    private final boolean keepRest;
    private final List<String[]> aliases;
    private final List<Section> sections;
    private final Map<String, List<Line>> tables;

    private RenameTable(String name, boolean keepRest, List<String[]> aliases, List<Section> sections,
                        Map<String, List<Line>> tables) {
        this.name = name;
        this.keepRest = keepRest;
        this.aliases = aliases;
        this.sections = sections;
        this.tables = tables;
    }

    /** A table shipped in this package, e.g. {@code "unet.tsv"}. */
    static RenameTable load(String resource) {
        try (InputStream in = RenameTable.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("Name table " + resource + " is missing from the build.");
            var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            return parse(resource, reader.lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read name table " + resource, e);
        }
    }

    static RenameTable parse(String name, List<String> text) {
        boolean keepRest = false;
        List<String[]> aliases = new ArrayList<>();
        List<Section> sections = new ArrayList<>();
        Map<String, List<Line>> tables = new LinkedHashMap<>();
        List<Line> current = null;
        for (int i = 0; i < text.size(); i++) {
            int number = i + 1;
            String raw = text.get(i);
            if (raw.isBlank() || raw.startsWith("#")) continue;
            String[] cells = raw.split("\t", -1);
            String head = cells[0].trim();
            if (head.startsWith("@")) {
                String[] words = head.split("\\s+");
                switch (words[0]) {
                    case "@once" -> sections.add(new Section(null, current = new ArrayList<>()));
                    case "@each" -> sections.add(new Section(word(name, number, words), current = new ArrayList<>()));
                    case "@table" -> tables.put(word(name, number, words), current = new ArrayList<>());
                    case "@rest" -> keepRest = "keep".equals(word(name, number, words));
                    case "@alias" -> {
                        if (cells.length != 3) throw bad(name, number, "@alias needs FROM and TO after a tab each");
                        aliases.add(new String[] {cells[1], cells[2]});
                    }
                    default -> throw bad(name, number, "unknown directive " + words[0]);
                }
                continue;
            }
            if (current == null) throw bad(name, number, "a mapping line before any @once, @each or @table");
            if (cells.length < 2 || cells.length > 3 || cells[0].isEmpty() || cells[1].isEmpty()) {
                throw bad(name, number, "expected 'source<TAB>target[<TAB>transform]', got '" + raw + "'");
            }
            current.add(new Line(cells[0], cells[1], cells.length == 3 ? cells[2] : "", number));
        }
        return new RenameTable(name, keepRest, aliases, sections, tables);
    }

    private static String word(String name, int number, String[] words) {
        if (words.length != 2) throw bad(name, number, words[0] + " takes one name");
        return words[1];
    }

    /** The table for one config: {@code rows} gives, for every layout the table names, its rows. */
    NameMap expand(Map<String, List<Map<String, String>>> rows) {
        NameMap.Builder out = new NameMap.Builder(name, keepRest, aliases);
        for (Section section : sections) {
            List<Map<String, String>> sectionRows;
            if (section.layout() == null) {
                sectionRows = List.of(Map.of());
            } else {
                sectionRows = rows.get(section.layout());
                if (sectionRows == null) {
                    throw new IllegalStateException("Name table " + name + " repeats over layout '" + section.layout()
                            + "', which is not one of " + rows.keySet());
                }
            }
            for (Line line : section.lines()) {
                for (Map<String, String> row : sectionRows) emit(out, line, "", "", row, 0);
            }
        }
        return out.build();
    }

    private void emit(NameMap.Builder out, Line line, String sourcePrefix, String targetPrefix,
                      Map<String, String> row, int depth) {
        String source = fill(sourcePrefix + line.source(), row, line);
        String target = line.target().equals("-") ? "-" : fill(targetPrefix + line.target(), row, line);
        if (line.transform().startsWith("@")) {
            List<Line> table = tables.get(line.transform().substring(1));
            if (table == null) throw bad(name, line.number(), "no @table " + line.transform().substring(1));
            if (depth == MAX_NESTING) throw bad(name, line.number(), "tables nest too deep (a cycle?)");
            for (Line inner : table) emit(out, inner, source, target, row, depth + 1);
        } else if (target.equals("-")) {
            out.ignore(source);
        } else {
            out.map(source, target, transform(line));
        }
    }

    private String fill(String pattern, Map<String, String> row, Line line) {
        Matcher m = PLACEHOLDER.matcher(pattern);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = row.get(m.group(1));
            if (value == null) throw bad(name, line.number(), "{" + m.group(1) + "} is not given by this layout " + row.keySet());
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }

    private Transform transform(Line line) {
        String t = line.transform();
        try {
            if (t.isEmpty()) return new Identity();
            if (t.startsWith("squeeze:")) return new Squeeze(Integer.parseInt(t.substring(8)));
            if (t.startsWith("rows:")) {
                String[] parts = t.substring(5).split("/");
                int index = Integer.parseInt(parts[0]);
                int count = Integer.parseInt(parts[1]);
                if (parts.length == 2 && index >= 0 && index < count) return new RowBlock(index, count);
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            // reported below
        }
        throw bad(name, line.number(), "unknown transform '" + t + "' (squeeze:RANK, rows:INDEX/COUNT or @table)");
    }

    private static IllegalStateException bad(String name, int number, String what) {
        return new IllegalStateException("Name table " + name + " line " + number + ": " + what);
    }
}
