package org.sdij.spark;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A job: its options and the requests it expands to, on the driver. Requests are JSON objects whose keys are the
 * command line's options; three sources give them: a JSONL file, a folder of images with one template, prompts x
 * seeds with one template.
 *
 * @param requests the requests, in the order of their source
 * @param rejected requests refused before anything runs (bad JSON, a bad or duplicate id), with the reason
 */
public record JobSpec(Path out, int partitions, List<JobRequest> requests, List<Result> rejected) {

    static final List<String> COMMANDS = List.of("txt2img", "img2img", "inpaint", "depth2img", "upscale");

    static final String USAGE = """
            usage: bin/sd-ij-spark --out DIR (--requests job.jsonl | --folder DIR [--glob '*.png'] --template JSON
                                   | --prompts prompts.txt --seeds 1-100 --template JSON) [options]
              --requests FILE    one request per line: a JSON object whose keys are bin/sd-ij's options, plus
                                 "command" (txt2img, img2img, inpaint, depth2img, upscale; default txt2img), "id"
                                 (the output's name; default the command and a hash of the request) and "format"
              --folder DIR       one request per image file under DIR (subfolders too): the template with "image"
                                 set to the file; the id is the file's path under DIR without its extension
              --glob PATTERN     which files of --folder (default: *.png, *.jpg, *.jpeg, *.tif, *.tiff)
              --prompts FILE     one prompt per line (blank lines skipped), each run with every seed of --seeds
              --seeds LIST       seeds and ranges: 1-100 or 1,5,9-12; ids are p<prompt number>-s<seed>
              --template JSON    the request the folder's files or the prompts fill in (JSON text, or @file.json)
              --out DIR          where the images go (<id>.png), with results.jsonl and summary.json
              --format png|tif   output format of requests that name none (default png)
              --model M          the model of requests that name none
              --partitions N     at most N Spark partitions per model (default: one per request, up to 10000)
              --dry-run          only list the requests per model, those done before and those refused (no Spark)
            Spark settings come from spark-submit (or -Dspark.master=... for a local run).
            """;

    /** A bad job: the message says what to change; the job does not start. */
    public static final class SpecException extends Exception {
        public SpecException(String message) {
            super(message);
        }
    }

    public static JobSpec parse(String[] args) throws SpecException, IOException {
        Map<String, String> o = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) throw new SpecException("Unexpected argument '" + a + "' (options start with --)");
            String name = a.substring(2);
            if (!List.of("requests", "folder", "glob", "prompts", "seeds", "template", "out", "format", "model",
                    "partitions").contains(name)) {
                throw new SpecException("Unknown option --" + name);
            }
            if (i + 1 >= args.length) throw new SpecException("--" + name + " needs a value");
            o.put(name, args[++i]);
        }
        if (!o.containsKey("out")) throw new SpecException("Missing --out DIR");
        Path out = Path.of(o.get("out")).toAbsolutePath().normalize();
        String format = o.getOrDefault("format", "png").toLowerCase(Locale.ROOT);
        if (!format.equals("png") && !format.equals("tif")) {
            throw new SpecException("Bad --format '" + format + "': use png or tif");
        }
        int partitions = 10_000;
        if (o.containsKey("partitions")) {
            try {
                partitions = Integer.parseInt(o.get("partitions"));
                if (partitions < 1) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                throw new SpecException("Bad --partitions '" + o.get("partitions") + "': expected a whole number, 1 or more");
            }
        }
        int sources = (o.containsKey("requests") ? 1 : 0) + (o.containsKey("folder") ? 1 : 0)
                + (o.containsKey("prompts") ? 1 : 0);
        if (sources != 1) throw new SpecException("Give exactly one of --requests, --folder and --prompts");

        List<Entry> entries = new ArrayList<>();
        if (o.containsKey("requests")) {
            entries = fromJsonLines(Path.of(o.get("requests")));
        } else {
            JsonObject template = template(o.get("template"));
            if (o.containsKey("folder")) {
                entries = fromFolder(Path.of(o.get("folder")), o.get("glob"), out, template);
            } else {
                if (!o.containsKey("seeds")) throw new SpecException("--prompts needs --seeds (e.g. --seeds 1-10)");
                entries = fromPrompts(Path.of(o.get("prompts")), seeds(o.get("seeds")), template);
            }
        }
        List<JobRequest> requests = new ArrayList<>();
        List<Result> rejected = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Entry e : entries) {
            try {
                JobRequest r = request(e.id(), e.json(), o.get("model"), format);
                for (Path file : r.outputs(out)) {
                    if (!names.add(file.toString())) {
                        throw new IllegalArgumentException("Duplicate output " + out.relativize(file)
                                + ": give each request its own \"id\"");
                    }
                }
                requests.add(r);
            } catch (IllegalArgumentException ex) {
                rejected.add(Result.failedOnDriver(idOf(e), e.where() + ": " + ex.getMessage()));
            }
        }
        return new JobSpec(out, partitions, requests, rejected);
    }

    /** A refused request's id in results.jsonl: its own where it has one, else where it came from. */
    private static String idOf(Entry e) {
        if (e.id() != null) return e.id();
        JsonElement id = e.json() == null ? null : e.json().get("id");
        return id != null && id.isJsonPrimitive() ? id.getAsString() : e.where();
    }

    /** One request before it is checked: its id (null: derive it), its JSON, where it came from. */
    private record Entry(String id, JsonObject json, String where) {}

    private static List<Entry> fromJsonLines(Path file) throws SpecException, IOException {
        if (!Files.isRegularFile(file)) throw new SpecException("Requests file not found: " + file);
        List<Entry> entries = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            String where = file.getFileName() + " line " + (i + 1);
            try {
                JsonElement e = JsonParser.parseString(line);
                if (!e.isJsonObject()) throw new JsonParseException("not a JSON object");
                entries.add(new Entry(null, e.getAsJsonObject(), where));
            } catch (JsonParseException e) {
                entries.add(new Entry(null, null, where));
            }
        }
        return entries;
    }

    private static List<Entry> fromFolder(Path folder, String glob, Path out, JsonObject template)
            throws SpecException, IOException {
        if (!Files.isDirectory(folder)) throw new SpecException("Folder not found: " + folder);
        Path root = folder.toAbsolutePath().normalize();
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:"
                + (glob == null ? "*.{png,jpg,jpeg,tif,tiff,PNG,JPG,JPEG,TIF,TIFF}" : glob));
        boolean wholePath = glob != null && glob.contains("/");
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                if (file.startsWith(out)) continue;
                Path rel = root.relativize(file);
                if (rel.toString().startsWith(".") || !matcher.matches(wholePath ? rel : rel.getFileName())) continue;
                String name = rel.toString().replace('\\', '/');
                int dot = name.lastIndexOf('.');
                JsonObject json = template.deepCopy();
                json.addProperty("image", file.toString());
                entries.add(new Entry(dot > name.lastIndexOf('/') + 1 ? name.substring(0, dot) : name, json,
                        rel.toString()));
            }
        }
        return entries;
    }

    private static List<Entry> fromPrompts(Path file, List<Long> seeds, JsonObject template)
            throws SpecException, IOException {
        if (!Files.isRegularFile(file)) throw new SpecException("Prompts file not found: " + file);
        List<Entry> entries = new ArrayList<>();
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            number++;
            for (long seed : seeds) {
                JsonObject json = template.deepCopy();
                json.addProperty("prompt", line.strip());
                json.addProperty("seed", seed);
                entries.add(new Entry("p" + number + "-s" + seed, json, "prompt " + number + ", seed " + seed));
            }
        }
        return entries;
    }

    static List<Long> seeds(String list) throws SpecException {
        List<Long> seeds = new ArrayList<>();
        try {
            for (String part : list.split(",")) {
                String p = part.strip();
                int dash = p.indexOf('-', 1);
                if (dash < 0) {
                    seeds.add(Long.parseLong(p));
                } else {
                    long from = Long.parseLong(p.substring(0, dash).strip());
                    long to = Long.parseLong(p.substring(dash + 1).strip());
                    if (to < from || to - from >= 1_000_000) throw new NumberFormatException();
                    for (long s = from; s <= to; s++) seeds.add(s);
                }
            }
        } catch (NumberFormatException e) {
            throw new SpecException("Bad --seeds '" + list + "': use seeds and ranges such as 1-100 or 1,5,9-12");
        }
        return seeds;
    }

    private static JsonObject template(String text) throws SpecException, IOException {
        if (text == null) throw new SpecException("--folder and --prompts need --template '{\"model\": ...}'");
        String json = text.startsWith("@") ? Files.readString(Path.of(text.substring(1))) : text;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) throw new JsonParseException("not an object");
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new SpecException("Bad --template: not a JSON object (" + json.strip() + ")");
        }
    }

    /** The request a JSON object is: keys are {@code bin/sd-ij}'s options; true is a flag, false and null none. */
    static JobRequest request(String id, JsonObject json, String defaultModel, String defaultFormat) {
        if (json == null) throw new IllegalArgumentException("not a JSON object");
        String command = "txt2img";
        String format = defaultFormat;
        List<String> options = new ArrayList<>();
        boolean hasModel = false;
        for (var e : json.entrySet()) {
            String key = e.getKey();
            JsonElement v = e.getValue();
            if (v.isJsonNull()) continue;
            if (!v.isJsonPrimitive()) {
                throw new IllegalArgumentException("\"" + key + "\" must be a string, number or true/false");
            }
            JsonPrimitive p = v.getAsJsonPrimitive();
            switch (key) {
                case "id" -> id = p.getAsString();
                case "command" -> command = p.getAsString();
                case "format" -> format = p.getAsString().toLowerCase(Locale.ROOT).replace("tiff", "tif");
                case "out" -> throw new IllegalArgumentException("\"out\" is the job's: the output is <out>/<id>."
                        + format + " (set \"id\" to name it)");
                default -> {
                    if (p.isBoolean()) {
                        if (p.getAsBoolean()) options.add("--" + key);
                    } else {
                        options.add("--" + key);
                        options.add(p.getAsString());
                    }
                    hasModel |= key.equals("model");
                }
            }
        }
        if (!COMMANDS.contains(command)) {
            throw new IllegalArgumentException("Unknown command '" + command + "': use one of "
                    + String.join(", ", COMMANDS));
        }
        if (!format.equals("png") && !format.equals("tif")) {
            throw new IllegalArgumentException("Bad \"format\" '" + format + "': use png or tif");
        }
        if (!hasModel && defaultModel != null) {
            options.add(0, defaultModel);
            options.add(0, "--model");
        }
        if (id == null) id = command + "-" + hash(command + "\0" + String.join("\0", options));
        checkId(id);
        return new JobRequest(id, command, options, format);
    }

    /** Ids name files under the output folder: relative, no "..", no hidden parts. */
    private static void checkId(String id) {
        if (id.isBlank() || id.startsWith("/") || id.contains("\\") || id.contains("\0")) {
            throw new IllegalArgumentException("Bad \"id\" '" + id + "': use a relative name such as fox-1 or sub/fox-1");
        }
        for (String part : id.split("/")) {
            if (part.isEmpty() || part.startsWith(".")) {
                throw new IllegalArgumentException("Bad \"id\" '" + id + "': its parts may not be empty or start"
                        + " with a dot");
            }
        }
    }

    private static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
