package org.sdij.spark;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.sdij.cli.GenerateCommand;
import org.sdij.cli.GenerateCommand.ModelKey;
import org.sdij.cli.GenerateCommand.Plan;
import org.sdij.pipeline.Generation;
import org.sdij.pipeline.StepListener;

/**
 * One request on an executor, as {@code bin/sd-ij} runs it (the same prepare, load, execute and write): skipped when
 * its outputs exist, its images published whole, and a bad request recorded as failed with the command line's
 * message instead of failing the task (Spark would only retry it).
 */
final class RequestTask {
    private RequestTask() {}

    /** A crash injected by tests between writing an attempt's images and publishing them. */
    @FunctionalInterface
    interface Fault {
        void beforePublish(JobRequest request, int attempt);
    }

    /** Set only by tests, in local mode (the executors share the test's JVM). */
    static volatile Fault fault;

    private static final StepListener NO_PROGRESS = (step, total, latents) -> true;

    static Result run(JobRequest request, Path out) {
        TaskContext task = TaskContext.get();
        String attemptName = task == null ? UUID.randomUUID().toString()
                : task.stageId() + "-" + task.partitionId() + "-" + task.attemptNumber();
        return run(request, out, attemptName, task);
    }

    /** @param attemptName unique to this attempt: it names the attempt's temporary files */
    static Result run(JobRequest request, Path out, String attemptName, TaskContext task) {
        long t0 = System.nanoTime();
        int attempt = task == null ? 0 : task.attemptNumber();
        String executor = SparkEnv.get() == null ? "driver" : SparkEnv.get().executorId();
        List<Path> files = request.outputs(out);
        List<String> names = files.stream().map(f -> out.relativize(f).toString()).toList();
        if (files.stream().allMatch(Files::isRegularFile)) {
            return new Result(request.id(), Result.SKIPPED, names, seconds(t0), executor, attempt, null);
        }
        List<Path> temps = new ArrayList<>();
        try {
            Plan plan = GenerateCommand.prepare(request.command(), request.argv(out));
            if (!plan.outputs().equals(files)) throw new IllegalStateException("outputs " + plan.outputs() + " vs " + files);
            ModelKey key = onTaskDevice(plan.modelKey(), task);
            Generation result = ExecutorModels.with(key, modelFiles -> GenerateCommand.checkModel(plan, modelFiles), model -> {
                if (task != null) JniUtils.setNumThreads(Math.max(1, task.cpus()));
                return GenerateCommand.execute(plan, model, NO_PROGRESS);
            });
            Files.createDirectories(files.get(0).getParent());
            for (Path f : files) temps.add(Outputs.temporary(f, attemptName));
            GenerateCommand.write(plan, result, temps);
            Fault f = fault;
            if (f != null) f.beforePublish(request, attempt);
            for (int i = 0; i < files.size(); i++) Outputs.publish(temps.get(i), files.get(i));
            return new Result(request.id(), Result.DONE, names, seconds(t0), executor, attempt, null);
        } catch (Exception e) {
            for (Path t : temps) {
                try {
                    Files.deleteIfExists(t);
                } catch (IOException ignored) {
                    // the driver deletes stale temporary files at the next start
                }
            }
            return new Result(request.id(), Result.FAILED, names, seconds(t0), executor, attempt, message(e));
        }
    }

    /** The command line's message: what it prints after "sd-ij <command>: ". */
    static String message(Exception e) {
        boolean ownWords = e instanceof IOException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException || e instanceof org.sdij.cli.CommandLine.UsageException;
        return ownWords && e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * The plan's model on the GPU Spark gave this task ({@code spark.task.resource.gpu.amount}), where the request
     * runs on a GPU at all; otherwise as the command line chose.
     */
    private static ModelKey onTaskDevice(ModelKey key, TaskContext task) {
        if (task == null || !key.device().isGpu()) return key;
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        if (gpu == null || gpu.addresses().length == 0) return key;
        Device device = Device.gpu(Integer.parseInt(gpu.addresses()[0]));
        return new ModelKey(key.model(), key.options(), device, key.dtype(), key.storage());
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
