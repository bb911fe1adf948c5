package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;
import org.scijava.command.Command;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.sdij.hub.FakeHub;
import org.sdij.hub.HubSettings;
import org.sdij.pipeline.DepthFolders;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scripting examples of the README and of scripts/ (Groovy, Jython, pyimagej, the headless --run line):
 * every class they name is one of our SciJava commands, every key they pass is an input of it, the output
 * they read is {@code result}, and a --run line's arguments are the script's inputs (Estimate Depth and Download
 * Model included). Each documented call then
 * runs in Java as written (the same class, keys and process flag), with a seeded case's model and values.
 */
@Tag("golden")
class ScriptingExamplesTest {

    static {
        ImageJHarness.init();
    }

    private static Context context;

    @BeforeAll
    static void startContext() {
        context = new Context();
    }

    @AfterAll
    static void stopContext() {
        context.dispose();
    }

    @AfterEach
    void closeImages() {
        CommandFixtures.closeAll();
    }

    /** One documented {@code run(Class, process, {key: value, ...})} call. */
    record Call(String where, String command, boolean process, Map<String, String> literals) {
    }

    private static final Pattern CALL = Pattern.compile("run\\((\\w+),\\s*(false|False|true|True),\\s*([\\[{])");
    private static final Pattern GROOVY_KEY = Pattern.compile("(?:^|[\\[,\\s])(\\w+):\\s*([^,\\]]+)");
    private static final Pattern PYTHON_KEY = Pattern.compile("\"(\\w+)\":\\s*([^,}]+)");
    private static final Pattern CLASS = Pattern.compile("org\\.sdij\\.scijava(?:\\.| import )(\\w+)");
    private static final Pattern OUTPUT = Pattern.compile("getOutput\\(\"(\\w*)\"\\)");
    private static final Pattern RUN_LINE = Pattern.compile("--run (\\S+) '([^']*)'");

    /** The README and every script of scripts/, by name. */
    static Map<String, String> documents() throws Exception {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put("README.md", Files.readString(Path.of("README.md")));
        try (Stream<Path> scripts = Files.list(Path.of("scripts"))) {
            for (Path s : scripts.sorted().toList()) docs.put("scripts/" + s.getFileName(), Files.readString(s));
        }
        return docs;
    }

    static List<Call> calls() throws Exception {
        List<Call> calls = new ArrayList<>();
        for (var doc : documents().entrySet()) {
            String text = doc.getValue();
            Matcher m = CALL.matcher(text);
            while (m.find()) {
                char close = m.group(3).equals("[") ? ']' : '}';
                String body = text.substring(m.end(), text.indexOf(close, m.end()));
                Map<String, String> literals = new LinkedHashMap<>();
                Matcher k = (close == ']' ? GROOVY_KEY : PYTHON_KEY).matcher(body);
                while (k.find()) literals.put(k.group(1), k.group(2).trim());
                calls.add(new Call(doc.getKey(), m.group(1), m.group(2).equalsIgnoreCase("true"), literals));
            }
        }
        return calls;
    }

    private static CommandInfo command(String simpleName) {
        CommandInfo info = context.getService(CommandService.class).getCommand("org.sdij.scijava." + simpleName);
        assertTrue(info != null, "org.sdij.scijava." + simpleName + " is not a SciJava command");
        return info;
    }

    private static Set<String> inputs(CommandInfo info) {
        Set<String> names = new TreeSet<>();
        for (ModuleItem<?> item : info.inputs()) names.add(item.getName());
        return names;
    }

    @Test
    void theExamplesNameOurCommandsTheirInputsAndTheirOutput() throws Exception {
        Map<String, String> docs = documents();
        int classes = 0;
        for (var doc : docs.entrySet()) {
            Matcher c = CLASS.matcher(doc.getValue());
            while (c.find()) {
                command(c.group(1));
                classes++;
            }
            Matcher o = OUTPUT.matcher(doc.getValue());
            while (o.find()) assertEquals("result", o.group(1), doc.getKey() + " reads another output");
        }
        assertTrue(classes >= 5, "the README names each command: " + classes);
        for (CommandInfo info : context.getService(CommandService.class).getCommands()) {
            if (!info.getClassName().startsWith("org.sdij.scijava.")) continue;
            String simple = info.getClassName().substring("org.sdij.scijava.".length());
            assertTrue(Pattern.compile("\\b" + simple + "\\b").matcher(docs.get("README.md")).find(),
                    "the README does not name the SciJava command " + simple);
        }
        List<Call> calls = calls();
        assertTrue(calls.size() >= 5, "README and scripts show calls: " + calls);
        for (Call call : calls) {
            Set<String> inputs = inputs(command(call.command()));
            for (String key : call.literals().keySet()) {
                assertTrue(inputs.contains(key), call.where() + ": " + call.command() + " has no input " + key
                        + " (inputs: " + inputs + ")");
            }
        }
        int runLines = 0;
        for (var doc : docs.entrySet()) {
            Matcher r = RUN_LINE.matcher(doc.getValue());
            while (r.find()) {
                runLines++;
                if (r.group(1).startsWith("org.sdij.scijava.")) { // a command run directly: its inputs
                    Set<String> inputs = inputs(command(r.group(1).substring("org.sdij.scijava.".length())));
                    for (String arg : r.group(2).split(",")) {
                        String key = arg.substring(0, arg.indexOf('='));
                        assertTrue(inputs.contains(key), doc.getKey() + ": " + r.group(1) + " has no input " + key);
                    }
                    continue;
                }
                Path script = Path.of(r.group(1).replaceFirst("^(?!scripts/)", "scripts/"));
                assertTrue(Files.isRegularFile(script), doc.getKey() + ": --run names " + script + ", which is missing");
                String text = Files.readString(script);
                for (String arg : r.group(2).split(",")) {
                    String key = arg.substring(0, arg.indexOf('='));
                    assertTrue(Pattern.compile("(?m)^#@ .*\\) " + key + "$|^#@ \\w+ " + key + "$").matcher(text).find(),
                            doc.getKey() + ": " + script + " has no input " + key);
                }
            }
        }
        assertTrue(runLines >= 2, "the README and the Groovy script show the headless line");
    }

    /**
     * Each documented call, run in Java as written, on a seeded case's model and values; Estimate Depth on the
     * tiny DPT, Download Model from a fake Hub on 127.0.0.1 into a temporary cache.
     */
    @Test
    void eachDocumentedCallRunsAsWritten(@TempDir Path dir) throws Exception {
        for (Call call : calls()) {
            if (call.command().equals("EstimateDepth")) {
                estimateDepthAsWritten(call, dir);
                continue;
            }
            if (call.command().equals("DownloadModel")) {
                downloadModelAsWritten(call, dir);
                continue;
            }
            String pipeline = call.command().equals("TextToImage") ? "txt2img" : "img2img";
            Path c = CommandFixtures.aCase(pipeline);
            var spec = CommandFixtures.spec(c);
            ImagePlus input = null;
            Map<String, Object> values = new LinkedHashMap<>();
            for (var e : call.literals().entrySet()) {
                Object value = switch (e.getKey()) {
                    case "model" -> CommandFixtures.modelOf(c);
                    case "prompt" -> CommandFixtures.prompt(c);
                    case "seed" -> spec.get("seed").getAsLong();
                    case "steps" -> spec.get("steps").getAsInt();
                    case "strength" -> spec.get("strength").getAsDouble();
                    case "input" -> input = IJ.openImage(c.resolve("init_image.png").toString());
                    default -> literal(e.getValue());
                };
                values.put(e.getKey(), value);
            }
            if (!values.containsKey("steps")) values.put("steps", spec.get("steps").getAsInt()); // tiny runs
            Class<? extends Command> type = Class.forName("org.sdij.scijava." + call.command()).asSubclass(Command.class);
            Module module = context.getService(CommandService.class).run(type, call.process(), values).get();
            Object result = module.getOutput("result");
            assertTrue(result instanceof ImagePlus, call + " made no image");
            ImagePlus out = (ImagePlus) result;
            assertEquals(CommandFixtures.prompt(c), out.getProp("sdij.prompt"), call.toString());
            String seed = String.valueOf(values.getOrDefault("seed", CommandTables.SEED.defaultValue()));
            assertTrue(out.getProp("sdij.seeds").startsWith(seed), call + ": " + out.getProp("sdij.seeds"));
            if (input != null) assertEquals(input.getWidth() / 8 * 8, out.getWidth(), call.toString());
        }
    }

    private static Module runAsWritten(Call call, Map<String, Object> values) throws Exception {
        Class<? extends Command> type = Class.forName("org.sdij.scijava." + call.command()).asSubclass(Command.class);
        return context.getService(CommandService.class).run(type, call.process(), values).get();
    }

    /** The documented keys, the model the tiny SD 2 depth folder with the tiny DPT, the input a depth case's picture. */
    private static void estimateDepthAsWritten(Call call, Path dir) throws Exception {
        DepthFolders.SingleImageCase c = DepthFolders.singleImageCases(1).get(0);
        Map<String, Object> values = new LinkedHashMap<>();
        for (var e : call.literals().entrySet()) {
            values.put(e.getKey(), switch (e.getKey()) {
                case "model" -> DepthFolders.tinyDepthWithEstimator(dir).toString();
                case "input" -> IJ.openImage(c.image().toString());
                default -> literal(e.getValue());
            });
        }
        Object result = runAsWritten(call, values).getOutput("result");
        assertTrue(result instanceof ImagePlus, call + " made no image");
        ImagePlus out = (ImagePlus) result;
        assertEquals(ImagePlus.GRAY32, out.getType(), call.toString());
        assertEquals("Estimate Depth...", out.getProp("sdij.command"), call.toString());
    }

    /** The documented repo (a known model's id, or repo_id), served by a fake Hub as a seeded case's model. */
    private static void downloadModelAsWritten(Call call, Path dir) throws Exception {
        Map<String, Object> values = new LinkedHashMap<>();
        call.literals().forEach((key, text) -> values.put(key, literal(text)));
        String repo = String.valueOf("other".equals(values.get("model")) ? values.get("repo_id") : values.get("model"));
        Path model = Path.of(CommandFixtures.modelOf(CommandFixtures.aCase("txt2img")));
        Supplier<HubSettings> saved = DownloadModelCommand.environment;
        try (FakeHub hub = new FakeHub().repo(repo, model)) {
            Path cache = Files.createTempDirectory(dir, "hub");
            DownloadModelCommand.environment = () -> new HubSettings(hub.endpoint(), null, cache, false);
            Object result = runAsWritten(call, values).getOutput("result");
            assertTrue(result instanceof String, call + " gave no folder: " + result);
            Path folder = Path.of((String) result);
            assertTrue(folder.startsWith(cache) && Files.isRegularFile(folder.resolve("model_index.json")),
                    call + ": " + folder);
        } finally {
            DownloadModelCommand.environment = saved;
        }
    }

    /** A literal of a Groovy or Python map: a quoted string, a number (Groovy's 42L), or true/false. */
    private static Object literal(String text) {
        String t = text.trim();
        if (t.startsWith("\"") && t.endsWith("\"")) return t.substring(1, t.length() - 1);
        if (t.matches("-?\\d+L?")) return Long.parseLong(t.replace("L", ""));
        if (t.matches("-?\\d*\\.\\d+")) return Double.parseDouble(t);
        if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) return Boolean.parseBoolean(t);
        throw new AssertionError("not a literal the test can pass on: " + text);
    }
}
