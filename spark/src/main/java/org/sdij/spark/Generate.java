package org.sdij.spark;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.sdij.cli.CommandLine;
import org.sdij.cli.GenerateCommand;

/**
 * {@code spark-submit --class org.sdij.spark.Generate sd-ij-spark.jar --requests job.jsonl --out DIR}: every request
 * of a job as one Spark task, model by model; results.jsonl and summary.json in the output folder. Exit status 0 when
 * nothing failed, 1 when some requests failed, 2 for a bad job.
 */
public final class Generate {
    private Generate() {}

    /** Tries of a model's stage before its remaining requests run one job each (as BigStitcher-Spark retries). */
    private static final int STAGE_TRIES = 2;

    public static void main(String[] args) {
        if (args.length == 0 || List.of(args).contains("--help")) {
            System.out.print(JobSpec.USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        List<String> rest = new ArrayList<>(List.of(args));
        boolean dryRun = rest.remove("--dry-run");
        JobSpec spec = parseOrNull(rest.toArray(String[]::new));
        if (spec == null) System.exit(2);
        if (dryRun) System.exit(dryRun(spec));
        SparkConf conf = new SparkConf().setAppName("sd-ij-spark").setIfMissing("spark.master", "local[*]");
        int status;
        long t0 = System.nanoTime();
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            System.err.printf("sd-ij-spark: Spark %s (%s) started in %.1f s%n", sc.version(), sc.master(),
                    (System.nanoTime() - t0) / 1e9);
            status = runAndReport(sc, spec);
        }
        System.exit(status);
    }

    /** The job of {@code args} on {@code sc}; returns the exit status. */
    public static int run(JavaSparkContext sc, String[] args) {
        JobSpec spec = parseOrNull(args);
        return spec == null ? 2 : runAndReport(sc, spec);
    }

    private static JobSpec parseOrNull(String[] args) {
        try {
            return JobSpec.parse(args);
        } catch (JobSpec.SpecException | IOException e) {
            System.err.println("sd-ij-spark: " + e.getMessage());
            System.err.println("Run bin/sd-ij-spark --help for the options.");
            return null;
        }
    }

    private static int runAndReport(JavaSparkContext sc, JobSpec spec) {
        try {
            Summary s = run(sc, spec);
            System.err.printf("sd-ij-spark: done=%d, skipped=%d, failed=%d in %.1f s; results in %s%n", s.done(),
                    s.skipped(), s.failed(), s.seconds(), spec.out().resolve(RESULTS));
            return s.failed() > 0 ? 1 : 0;
        } catch (IOException e) {
            System.err.println("sd-ij-spark: " + e.getMessage());
            return 1;
        }
    }

    /**
     * {@code --dry-run}: what the job would do, without Spark or models: the requests per model, how many have their
     * outputs already, and the requests refused with the reason. Exit status as the job's would be for the refusals.
     */
    static int dryRun(JobSpec spec) {
        Map<String, int[]> groups = new LinkedHashMap<>();
        for (JobRequest r : spec.requests()) {
            int[] counts = groups.computeIfAbsent(r.modelGroup(), g -> new int[2]);
            counts[0]++;
            if (r.outputs(spec.out()).stream().allMatch(Files::isRegularFile)) counts[1]++;
        }
        System.out.printf("%d requests in %d model groups, %d refused; output %s%n", spec.requests().size(),
                groups.size(), spec.rejected().size(), spec.out());
        groups.forEach((group, c) -> System.out.printf("  %s: %d requests, %d done before (skipped), %d to run%n",
                group, c[0], c[1], c[0] - c[1]));
        for (Result r : spec.rejected()) System.out.println("  refused " + r.id() + ": " + r.message());
        return spec.rejected().isEmpty() ? 0 : 1;
    }

    static final String RESULTS = "results.jsonl";
    static final String SUMMARY = "summary.json";

    /** The counts of one run, as summary.json holds them. */
    record Summary(int requests, int done, int skipped, int failed, int modelGroups, double seconds) {}

    static Summary run(JavaSparkContext sc, JobSpec spec) throws IOException {
        long t0 = System.nanoTime();
        Path out = spec.out();
        Files.createDirectories(out);
        int stale = Outputs.deleteStale(out);
        if (stale > 0) System.err.println("sd-ij-spark: deleted " + stale + " temporary files of killed attempts");

        // one Spark job per model, so that an executor loads each model at most once and never holds two
        Map<String, List<JobRequest>> groups = new LinkedHashMap<>();
        for (JobRequest r : spec.requests()) groups.computeIfAbsent(r.modelGroup(), g -> new ArrayList<>()).add(r);
        List<Result> results = new ArrayList<>(spec.rejected());
        Set<String> completeAtStart = new HashSet<>();
        for (JobRequest r : spec.requests()) {
            if (r.outputs(out).stream().allMatch(Files::isRegularFile)) completeAtStart.add(r.id());
        }
        for (List<JobRequest> group : groups.values()) {
            // the longest first: partitions start roughly in order, so this shortens the tail
            List<JobRequest> ordered = new ArrayList<>(group);
            ordered.sort(Comparator.comparingDouble(JobRequest::cost).reversed());
            String downloadFailed = download(ordered, out);
            if (downloadFailed != null) {
                for (JobRequest r : ordered) results.add(Result.failedOnDriver(r.id(), downloadFailed));
                continue;
            }
            for (Result r : runGroup(sc, ordered, out, spec.partitions())) {
                // after a failed stage, what its finished tasks made shows up as skipped on the next round
                boolean madeNow = r.status().equals(Result.SKIPPED) && !completeAtStart.contains(r.id());
                results.add(madeNow ? new Result(r.id(), Result.DONE, r.outputs(), r.seconds(), r.executor(),
                        r.attempt(), "made by an earlier round of this run") : r);
            }
        }
        // results.jsonl in the job's order: the refused ones first, then the requests as listed
        Map<String, Integer> order = new HashMap<>();
        for (JobRequest r : spec.requests()) order.put(r.id(), order.size());
        results.sort(Comparator.comparingInt(r -> order.getOrDefault(r.id(), -1)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        Summary summary = new Summary(results.size(), count(results, Result.DONE), count(results, Result.SKIPPED),
                count(results, Result.FAILED), groups.size(), seconds);
        writeReports(out, results, summary);
        return summary;
    }

    /**
     * {@code --download} in any request of a model's group: the driver fetches the model once, before the group's
     * stage, so that the executors find it in the Hugging Face cache (on a cluster, HF_HOME must be a folder every
     * node reads, as the output folder is) and never download one model side by side. Returns why the download
     * failed (every request of the group then fails with it), or null.
     */
    private static String download(List<JobRequest> group, Path out) {
        for (JobRequest r : group) {
            if (!r.options().contains("--download")) continue;
            GenerateCommand.Plan plan;
            try {
                plan = GenerateCommand.prepare(r.command(), r.argv(out));
            } catch (CommandLine.UsageException | IOException | RuntimeException e) {
                continue; // a bad request fails alone in its task, with the command line's message
            }
            try {
                GenerateCommand.download(plan.modelKey(), System.err);
                return null;
            } catch (IOException | RuntimeException e) {
                return RequestTask.message(e);
            }
        }
        return null;
    }

    private static List<Result> runGroup(JavaSparkContext sc, List<JobRequest> group, Path out, int partitions) {
        String dir = out.toString();
        for (int round = 1; round <= STAGE_TRIES; round++) {
            try {
                return sc.parallelize(group, Math.min(group.size(), partitions))
                        .map(r -> RequestTask.run(r, Path.of(dir)))
                        .collect();
            } catch (Exception e) {
                // an executor died or a task kept failing (Spark's SparkException, undeclared): the requests that
                // finished are skipped on the next round
                System.err.println("sd-ij-spark: the stage of " + group.get(0).modelGroup() + " failed (" + firstLine(e)
                        + "); running it again");
            }
        }
        // still failing: one job per request, so that the requests that crash executors fail alone
        List<Result> results = new ArrayList<>();
        for (JobRequest r : group) {
            try {
                results.addAll(sc.parallelize(List.of(r), 1).map(x -> RequestTask.run(x, Path.of(dir))).collect());
            } catch (Exception e) {
                results.add(new Result(r.id(), Result.FAILED, List.of(), 0, "?", -1,
                        "its task failed on every try (executor lost or crashed?): " + firstLine(e)));
            }
        }
        return results;
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static int count(List<Result> results, String status) {
        return (int) results.stream().filter(r -> r.status().equals(status)).count();
    }

    /** results.jsonl (one line per request, in the job's order) and summary.json, each replaced whole. */
    private static void writeReports(Path out, List<Result> results, Summary summary) throws IOException {
        StringBuilder lines = new StringBuilder();
        Gson gson = new Gson();
        for (Result r : results) lines.append(gson.toJson(r.toJson())).append('\n');
        replace(out.resolve(RESULTS), lines.toString());
        JsonObject s = new JsonObject();
        s.addProperty("requests", summary.requests());
        s.addProperty("done", summary.done());
        s.addProperty("skipped", summary.skipped());
        s.addProperty("failed", summary.failed());
        s.addProperty("model_groups", summary.modelGroups());
        s.addProperty("seconds", Math.round(summary.seconds() * 1000) / 1000.0);
        replace(out.resolve(SUMMARY), new GsonBuilder().setPrettyPrinting().create().toJson(s) + "\n");
    }

    private static void replace(Path file, String text) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".part-driver");
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
