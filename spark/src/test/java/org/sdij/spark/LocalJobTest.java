package org.sdij.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.cli.Main;
import org.sdij.cli.TestHubSettings;
import org.sdij.hub.HubSettings;
import org.sdij.spark.CaseRequests.Request;

/**
 * The job in Spark's local mode ({@code local[2]}, one core per task, so two tasks take turns on the one cached
 * model) on requests made from the reference set's seeded cases: the images equal {@code bin/sd-ij}'s byte for byte;
 * a re-run writes nothing; a crashed job finishes on the next run; bad requests fail alone with the command line's
 * message. The first three tests share one output folder and run in order.
 */
@Tag("golden")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalJobTest {

    JavaSparkContext sc;

    /** One folder for the class: the first tests share their job. */
    @TempDir
    static Path dir;

    /** The shared job: its requests, output folder and the command line's images (file name to bytes). */
    List<Request> requests;
    Path out;
    Map<String, byte[]> cliImages = new TreeMap<>();

    @BeforeAll
    void startSpark() {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("LocalJobTest")
                .set("spark.ui.enabled", "false").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.driver.host", "127.0.0.1").set("spark.task.cpus", "1");
        sc = new JavaSparkContext(conf);
    }

    @AfterAll
    void stopSpark() throws IOException {
        RequestTask.fault = null;
        ExecutorModels.release();
        if (sc != null) sc.close();
    }

    private static String[] job(Path jsonl, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("--requests", jsonl.toString(), "--out", out.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static Path jsonl(Path file, List<String> lines) throws IOException {
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    /** results.jsonl, id to its line. */
    private static Map<String, JsonObject> results(Path out) throws IOException {
        Map<String, JsonObject> byId = new LinkedHashMap<>();
        for (String line : Files.readAllLines(out.resolve(Generate.RESULTS))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            byId.put(o.get("id").getAsString(), o);
        }
        return byId;
    }

    /** The images under {@code out} (no reports), relative name to bytes. */
    private static Map<String, byte[]> images(Path out) throws IOException {
        Map<String, byte[]> images = new TreeMap<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = out.relativize(f).toString();
                if (name.equals(Generate.RESULTS) || name.equals(Generate.SUMMARY)) continue;
                images.put(name, Files.readAllBytes(f));
            }
        }
        return images;
    }

    private static Set<String> statuses(Map<String, JsonObject> results) {
        return results.values().stream().map(r -> r.get("status").getAsString()).collect(Collectors.toSet());
    }

    @Test
    @Order(1)
    void imagesEqualTheCommandLinesByteForByte() throws Exception {
        requests = new ArrayList<>(CaseRequests.of("txt2img", "img2img", "upscale"));
        assertFalse(requests.isEmpty(), "the reference set has no seeded txt2img, img2img or upscale case");
        requests.add(requests.get(0).withId(requests.get(0).id() + "-tif").with("format", "tif"));
        out = dir.resolve("job");
        // the command line first, writing where the job will (the recorded command names the file), moved aside
        Files.createDirectories(out);
        for (Request r : requests) {
            Request cli = r.options().containsKey("format") ? withoutFormat(r) : r;
            String ext = r.options().getOrDefault("format", "png");
            Path file = out.resolve(r.id() + "." + ext);
            assertEquals(0, Main.run(cli.argv(file)), r.id());
        }
        cliImages.putAll(images(out));
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.toList()) Files.delete(f);
        }

        int loads = ExecutorModels.loads();
        Path spec = jsonl(dir.resolve("job.jsonl"), requests.stream().map(Request::json).toList());
        assertEquals(0, Generate.run(sc, job(spec, out)));
        assertEquals(cliImages.keySet(), images(out).keySet());
        images(out).forEach((name, bytes) -> assertArrayEquals(cliImages.get(name), bytes, name));
        Map<String, JsonObject> results = results(out);
        assertEquals(requests.size(), results.size());
        assertEquals(Set.of(Result.DONE), statuses(results));
        long models = requests.stream().map(r -> r.options().get("model")).distinct().count();
        assertEquals(models, ExecutorModels.loads() - loads, "one load per model (one executor JVM here)");
        JsonObject summary = JsonParser.parseString(Files.readString(out.resolve(Generate.SUMMARY))).getAsJsonObject();
        assertEquals(requests.size(), summary.get("done").getAsInt());
        assertEquals(models, summary.get("model_groups").getAsInt());
    }

    private static Request withoutFormat(Request r) {
        Map<String, String> o = new LinkedHashMap<>(r.options());
        o.remove("format");
        return new Request(r.id(), r.command(), o);
    }

    @Test
    @Order(2)
    void aReRunSkipsEverythingAndWritesNothing() throws Exception {
        Map<String, FileTime> before = modified(out);
        int loads = ExecutorModels.loads();
        assertEquals(0, Generate.run(sc, job(dir.resolve("job.jsonl"), out)));
        assertEquals(Set.of(Result.SKIPPED), statuses(results(out)));
        assertEquals(loads, ExecutorModels.loads(), "no model loaded for skipped requests");
        assertEquals(before, modified(out));
    }

    private static Map<String, FileTime> modified(Path out) throws IOException {
        Map<String, FileTime> times = new HashMap<>();
        for (String name : images(out).keySet()) times.put(name, Files.getLastModifiedTime(out.resolve(name)));
        return times;
    }

    @Test
    @Order(3)
    void aCrashedJobFinishesTheRestOnTheNextRun() throws Exception {
        // two images lost, one of them to a request whose task crashes on every try
        String crashing = requests.get(0).id();
        String lost = requests.get(requests.size() - 1).id();
        for (Path f : outputsOf(requests.get(0))) Files.delete(f);
        for (Path f : outputsOf(requests.get(requests.size() - 1))) Files.delete(f);
        Path stale = out.resolve("." + crashing + ".png.part-9-9-9");
        Files.writeString(stale, "a torn image of an attempt killed long ago");
        RequestTask.fault = (request, attempt) -> {
            if (request.id().equals(crashing)) throw new SimulatedCrash();
        };
        assertEquals(1, Generate.run(sc, job(dir.resolve("job.jsonl"), out)));
        Map<String, JsonObject> first = results(out);
        assertEquals(Result.FAILED, first.get(crashing).get("status").getAsString());
        assertTrue(first.get(crashing).get("message").getAsString().contains("failed on every try"));
        assertEquals(Result.DONE, first.get(lost).get("status").getAsString());
        for (Path f : outputsOf(requests.get(0))) assertFalse(Files.exists(f), f.toString());
        assertFalse(Files.exists(stale), "stale temporary files are deleted at the start");

        RequestTask.fault = null;
        assertEquals(0, Generate.run(sc, job(dir.resolve("job.jsonl"), out)));
        Map<String, JsonObject> second = results(out);
        assertEquals(Result.DONE, second.get(crashing).get("status").getAsString());
        assertEquals(1, second.values().stream().filter(r -> r.get("status").getAsString().equals(Result.DONE)).count());
        Map<String, byte[]> now = images(out);
        assertEquals(cliImages.keySet(), now.keySet(), "no temporary file left");
        now.forEach((name, bytes) -> assertArrayEquals(cliImages.get(name), bytes, name));
    }

    private List<Path> outputsOf(Request r) {
        return JobSpec.request(r.id(), JsonParser.parseString(r.json()).getAsJsonObject(), null, "png").outputs(out);
    }

    /** Stands in for a killed executor: an Error, which the task does not record as a failed request. */
    static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated crash before publishing");
        }
    }

    @Test
    @Order(4)
    void badRequestsFailAloneWithTheCommandLinesMessage() throws Exception {
        Request good = CaseRequests.of("txt2img").get(0);
        String x4 = CaseRequests.of("upscale").stream().map(r -> r.options().get("model")).findFirst().orElse(null);
        Path notAnImage = Files.writeString(dir.resolve("garbage.png"), "not a picture");
        List<Request> bad = new ArrayList<>();
        bad.add(CaseRequests.of("img2img").get(0).withId("missing-image")
                .with("image", dir.resolve("no-such.png").toString()));
        bad.add(CaseRequests.of("img2img").get(0).withId("garbage-image").with("image", notAnImage.toString()));
        bad.add(good.withId("width-60").with("width", "60"));
        bad.add(good.withId("unknown-key").with("stepz", "3"));
        if (x4 != null) bad.add(good.withId("wrong-model").with("model", x4));
        Path outBad = dir.resolve("bad");
        List<String> lines = new ArrayList<>(bad.stream().map(Request::json).toList());
        lines.add(good.withId("good").json());
        lines.add("{\"id\": \"broken\", ");
        assertEquals(1, Generate.run(sc, job(jsonl(dir.resolve("bad.jsonl"), lines), outBad)));
        Map<String, JsonObject> results = results(outBad);
        assertEquals(Result.DONE, results.get("good").get("status").getAsString());
        assertTrue(Files.isRegularFile(outBad.resolve("good.png")));
        for (Request r : bad) {
            JsonObject result = results.get(r.id());
            assertEquals(Result.FAILED, result.get("status").getAsString(), r.id());
            String message = result.get("message").getAsString();
            String cli = cliError(r.argv(outBad.resolve(r.id() + ".png")));
            assertTrue(cli.contains("sd-ij " + r.command() + ": " + message), r.id() + ": " + message + " vs " + cli);
        }
        assertTrue(results.get("missing-image").get("message").getAsString().startsWith("Image file not found"));
        assertTrue(results.get("width-60").get("message").getAsString()
                .contains("Width 60 is not a multiple of 8: use 56 or 64"));
        JsonObject broken = results.get("bad.jsonl line " + lines.size());
        assertEquals(Result.FAILED, broken.get("status").getAsString());
        assertTrue(broken.get("message").getAsString().contains("not a JSON object"), broken.toString());
        assertEquals(Set.of("good.png"), images(outBad).keySet());
    }

    /** What {@code bin/sd-ij} prints on stderr for {@code argv}. */
    private static String cliError(String[] argv) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertTrue(Main.run(argv) != 0, String.join(" ", argv));
        } finally {
            System.setErr(saved);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    @Order(5)
    void twoAttemptsOfOneRequestLeaveOneWholeOutput() throws Exception {
        Request r = CaseRequests.of("txt2img").get(0);
        JobRequest request = JobSpec.request(r.id(), JsonParser.parseString(r.json()).getAsJsonObject(), null, "png");
        Path outTwice = dir.resolve("twice");
        Result[] results = new Result[2];
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<Thread> attempts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            int attempt = i;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                results[attempt] = RequestTask.run(request, outTwice, "0-0-" + attempt, null);
            });
            t.start();
            attempts.add(t);
        }
        start.countDown();
        for (Thread t : attempts) t.join();
        for (Result result : results) assertEquals(Result.DONE, result.status(), String.valueOf(result.message()));
        Map<String, byte[]> written = images(outTwice);
        assertEquals(Set.of(r.id() + ".png"), written.keySet(), "one output, no temporary file");
        // the command line over the same name writes the very bytes the attempts published: whole and equal
        String name = r.id() + ".png";
        assertEquals(0, Main.run(r.argv(outTwice.resolve(name))));
        assertArrayEquals(Files.readAllBytes(outTwice.resolve(name)), written.get(name));
    }

    /**
     * {@code "download": true}: the driver fetches the group's model before its stage; when it cannot (no Hub at a
     * closed loopback port here), that group fails with the download's message and the other groups still run. A
     * request for a model the cache lacks, without download, fails in its task with the command line's hint.
     */
    @Test
    @Order(6)
    void aFailedDownloadFailsItsModelsRequestsAloneWithTheDownloadsMessage() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        HubSettings hub = new HubSettings(java.net.URI.create("http://127.0.0.1:" + closedPort), null,
                dir.resolve("hf-cache"), false);
        Path outDownload = dir.resolve("download");
        List<String> lines = List.of(
                "{\"id\": \"fetched\", \"command\": \"txt2img\", \"model\": \"sd-ij-tests/absent\", \"steps\": 1,"
                        + " \"download\": true}",
                "{\"id\": \"not-fetched\", \"command\": \"txt2img\", \"model\": \"sd-ij-tests/absent-too\","
                        + " \"steps\": 1}",
                CaseRequests.of("txt2img").get(0).withId("good").json());
        try (AutoCloseable settings = TestHubSettings.use(hub)) {
            assertEquals(1, Generate.run(sc, job(jsonl(dir.resolve("download.jsonl"), lines), outDownload)));
        }
        Map<String, JsonObject> results = results(outDownload);
        assertEquals(Result.DONE, results.get("good").get("status").getAsString());
        JsonObject fetched = results.get("fetched");
        assertEquals(Result.FAILED, fetched.get("status").getAsString());
        assertEquals("driver", fetched.get("executor").getAsString());
        assertTrue(fetched.get("message").getAsString().contains("Cannot reach the Hugging Face Hub at http://127.0.0.1:"
                + closedPort), fetched.toString());
        JsonObject notFetched = results.get("not-fetched");
        assertEquals(Result.FAILED, notFetched.get("status").getAsString());
        assertTrue(notFetched.get("message").getAsString().contains("--download"), notFetched.toString());
        assertEquals(Set.of("good.png"), images(outDownload).keySet());
    }
}
