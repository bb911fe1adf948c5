package org.sdij.io.names;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.sdij.io.RenamedSource;
import org.sdij.io.RenamedSource.Identity;
import org.sdij.io.RenamedSource.Mapping;
import org.sdij.io.RenamedSource.Transform;
import org.sdij.io.TensorSource;
import org.sdij.io.WeightFormatException;

/**
 * A name table expanded for one config: every source name it expects (without the file's component
 * prefix), the target name(s) and transform for each, and what it ignores. {@link #view} applies it
 * to one component of a weight file.
 */
public final class NameMap {

    public record Target(String name, Transform transform) {}

    private final String table;
    private final boolean keepRest;
    private final List<String[]> aliases;
    private final Map<String, List<Target>> bySource;
    private final Set<String> ignoredNames;
    private final List<String> ignoredPrefixes;

    private NameMap(Builder b) {
        this.table = b.table;
        this.keepRest = b.keepRest;
        this.aliases = b.aliases;
        this.bySource = Collections.unmodifiableMap(b.bySource);
        this.ignoredNames = Set.copyOf(b.ignoredNames);
        this.ignoredPrefixes = List.copyOf(b.ignoredPrefixes);
    }

    /** The table resource this map was expanded from. */
    public String table() {
        return table;
    }

    /** Source names the config needs (mapped ones, not ignored ones), in table order. */
    public Set<String> sourceNames() {
        return bySource.keySet();
    }

    /** Target (diffusers) names the config needs, in table order. */
    public Set<String> targetNames() {
        Set<String> out = new LinkedHashSet<>();
        bySource.values().forEach(targets -> targets.forEach(t -> out.add(t.name())));
        return out;
    }

    public List<Target> targets(String source) {
        return bySource.getOrDefault(source, List.of());
    }

    /** Whether the table drops this source name on purpose (names are without the component prefix). */
    public boolean ignores(String source) {
        if (ignoredNames.contains(source)) return true;
        for (String prefix : ignoredPrefixes) {
            if (source.startsWith(prefix)) return true;
        }
        return false;
    }

    /**
     * The tensors of {@code file} under {@code prefix} by target name. Names the table does not know and
     * does not ignore stay visible under their full file name (or, for tables that keep the rest, under
     * their name without the prefix), so that a strict loader reports them as unexpected.
     */
    public RenamedSource view(TensorSource file, String prefix) throws WeightFormatException {
        Map<String, Mapping> mappings = new LinkedHashMap<>();
        Map<String, String> mappedFrom = new LinkedHashMap<>();
        for (String full : new TreeSet<>(file.names())) {
            if (!full.startsWith(prefix)) continue;
            String local = unalias(full.substring(prefix.length()));
            List<Target> targets = bySource.get(local);
            if (targets != null) {
                for (Target t : targets) put(file, mappings, mappedFrom, t.name(), new Mapping(full, t.transform()));
            } else if (!ignores(local)) {
                String name = keepRest ? local : full;
                put(file, mappings, mappedFrom, name, new Mapping(full, new Identity()));
            }
        }
        return new RenamedSource(file, mappings);
    }

    private static void put(TensorSource file, Map<String, Mapping> mappings, Map<String, String> mappedFrom,
                            String target, Mapping mapping) throws WeightFormatException {
        String earlier = mappedFrom.putIfAbsent(target, mapping.source());
        if (earlier != null) {
            throw new WeightFormatException(file.origin() + " holds both '" + earlier + "' and '" + mapping.source()
                    + "', which are the same tensor '" + target + "' under two spellings.");
        }
        mappings.put(target, mapping);
    }

    private String unalias(String local) {
        for (String[] alias : aliases) {
            if (local.startsWith(alias[0])) return alias[1] + local.substring(alias[0].length());
        }
        return local;
    }

    /** Source names the map needs that {@code file} lacks under {@code prefix} (aliases applied). */
    public Set<String> missingIn(TensorSource file, String prefix) {
        Set<String> present = new HashSet<>();
        for (String full : file.names()) {
            if (full.startsWith(prefix)) present.add(unalias(full.substring(prefix.length())));
        }
        Set<String> missing = new LinkedHashSet<>(bySource.keySet());
        missing.removeAll(present);
        return missing;
    }

    static final class Builder {
        private final String table;
        private final boolean keepRest;
        private final List<String[]> aliases;
        private final Map<String, List<Target>> bySource = new LinkedHashMap<>();
        private final Map<String, String> targetSources = new LinkedHashMap<>();
        private final Set<String> ignoredNames = new LinkedHashSet<>();
        private final List<String> ignoredPrefixes = new ArrayList<>();

        Builder(String table, boolean keepRest, List<String[]> aliases) {
            this.table = table;
            this.keepRest = keepRest;
            this.aliases = List.copyOf(aliases);
        }

        void map(String source, String target, Transform transform) {
            String earlier = targetSources.putIfAbsent(target, source);
            if (earlier != null) {
                throw new IllegalStateException("Name table " + table + " maps both '" + earlier + "' and '" + source
                        + "' to '" + target + "'.");
            }
            bySource.computeIfAbsent(source, s -> new ArrayList<>()).add(new Target(target, transform));
        }

        void ignore(String source) {
            if (source.endsWith(".")) ignoredPrefixes.add(source);
            else ignoredNames.add(source);
        }

        NameMap build() {
            bySource.replaceAll((s, targets) -> List.copyOf(targets));
            return new NameMap(this);
        }
    }
}
