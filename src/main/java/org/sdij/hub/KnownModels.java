package org.sdij.hub;

import org.sdij.io.HubCache;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The models sd-ij runs, as repos on the Hub (the table is data: {@code known-models.tsv}). Repos move: SD 1.5
 * left runwayml in 2024, SD 2 left stabilityai in 2025. A model is found in the cache under any of its names
 * before anything is downloaded.
 */
public final class KnownModels {
    private KnownModels() {}

    /** One model: the repo to fetch, what it is, the command that runs it, its old names, its single file. */
    public record Model(String id, String title, String command, List<String> oldIds, String singleFile) {

        /** Every name the model has had, the current one first. */
        public List<String> names() {
            List<String> all = new ArrayList<>(List.of(id));
            all.addAll(oldIds);
            return all;
        }

        public String label() {
            return title + " (" + id + ")";
        }
    }

    private static final List<Model> ALL = load();

    public static List<Model> all() {
        return ALL;
    }

    /** The known model that has this repo id (current or old; case as on the Hub, compared ignoring case). */
    public static Optional<Model> find(String repo) {
        return ALL.stream().filter(m -> m.names().stream().anyMatch(n -> n.equalsIgnoreCase(repo))).findFirst();
    }

    /**
     * The name under which the cache at {@code root} holds {@code repo}: itself, or another name of the same
     * model; empty when none is cached.
     */
    public static Optional<String> cachedName(Path root, String repo) {
        List<String> names = new ArrayList<>(List.of(repo));
        find(repo).ifPresent(m -> m.names().stream().filter(n -> !n.equals(repo)).forEach(names::add));
        return names.stream().filter(n -> Files.isDirectory(root.resolve(HubCache.folderName(n)))).findFirst();
    }

    /** The repos the cache at {@code root} holds ("org/name"), sorted; empty when there is no cache. */
    public static List<String> cached(Path root) {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isDirectory(p.resolve("snapshots")))
                    .filter(p -> p.getFileName().toString().startsWith("models--")
                            && p.getFileName().toString().indexOf("--", 8) > 0)
                    .map(HubCache::repoOf)
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<Model> load() {
        try (InputStream in = KnownModels.class.getResourceAsStream("known-models.tsv")) {
            if (in == null) throw new IllegalStateException("known-models.tsv is missing from the build");
            List<Model> models = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] c = line.split("\t", -1);
                if (c.length != 5) throw new IllegalStateException("known-models.tsv: bad line '" + line + "'");
                List<String> old = c[3].isBlank() ? List.of() : Arrays.stream(c[3].split(",")).map(String::trim).toList();
                models.add(new Model(c[0], c[1], c[2], old, c[4]));
            }
            return List.copyOf(models);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
