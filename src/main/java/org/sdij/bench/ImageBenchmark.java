package org.sdij.bench;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.pipeline.GenerationRequest;
import org.sdij.pipeline.StableDiffusion;
import org.sdij.pipeline.TextToImage;

/**
 * {@code bin/sd-ij bench --image}: one whole txt2img image from a full-size random model written as a
 * diffusers folder ({@link RandomModelFolder}), through the same locate, load and generate code as
 * {@code sd-ij txt2img}, so the weights are memory-mapped from files as a user's are. The peak resident
 * memory is that of loading and generating alone: the files are written by a child process and the high-water
 * mark is reset before loading. At the last step the resident memory is split into anonymous memory
 * (activations, the JVM, libtorch) and file-backed pages (the mapped weights: clean page cache, which the
 * kernel can drop and re-read under memory pressure).
 */
final class ImageBenchmark {
    private ImageBenchmark() {}

    record Result(String model, int size, int steps, double fileGb, double loadSeconds, double hashSeconds,
                  double firstStepSeconds,
                  double stepSeconds, double decodeSeconds, double imageSeconds, long rssAfterLoadMb, long peakStepsRssMb,
                  long anonAtLastStepMb, long fileAtLastStepMb,
                  long peakRssMb,
                  boolean peakIsGeneration, String weights, double loadBefore, double loadAfter) {
        /** The default 50-step image, derived from the measured one: its steps replaced by 50 of the mean. */
        double image50Seconds() {
            return imageSeconds + (GenerationRequest.DEFAULT_STEPS - steps) * stepSeconds;
        }

        String line() {
            return String.format(Locale.ROOT,
                    "bench image model=%s size=%d steps=%d image_s=%.2f image_50_steps_s=%.1f load_s=%.2f hash_s=%.2f "
                            + "first_step_s=%.2f step_s=%.3f decode_s=%.2f rss_after_load_mb=%d peak_steps_rss_mb=%d "
                            + "last_step_rss_anon_mb=%d last_step_rss_file_mb=%d peak_rss_mb=%d "
                            + "peak_scope=%s weights=%s file_gb=%.2f load_avg=%.2f/%.2f",
                    model, size, steps, imageSeconds, image50Seconds(), loadSeconds, hashSeconds, firstStepSeconds, stepSeconds,
                    decodeSeconds, rssAfterLoadMb, peakStepsRssMb, anonAtLastStepMb, fileAtLastStepMb, peakRssMb, peakIsGeneration ? "load+generate" : "whole-process",
                    weights, fileGb, loadBefore, loadAfter);
        }
    }

    /** @param storage the type the weights are kept in ({@code dtype}, or float16 in low-memory mode) */
    static Result measure(String model, String preset, Integer size, int steps, Device device, DataType dtype,
                          DataType storage) throws IOException {
        if (steps < 2) throw new IllegalArgumentException("bench --image needs --steps 2 or more");
        Path dir = Files.createTempDirectory("sdij-image-bench");
        try {
            RandomModelFolder.Written written = RandomModelFolder.writeInChildProcess(dir, preset);
            double loadBefore = MachineProbe.loadAverage();
            boolean reset = MachineProbe.resetPeakRss();
            long t0 = System.nanoTime();
            try (ModelFiles files = ModelLocator.open(dir.toString());
                 StableDiffusion sd = StableDiffusion.load(files, device, dtype, storage)) {
                double load = seconds(t0, System.nanoTime());
                long rssAfterLoad = MachineProbe.currentRssMb();
                long hashStart = System.nanoTime();
                sd.modelHash(); // once per model file (then cached): timed apart, as a returning user never waits for it
                double hash = seconds(hashStart, System.nanoTime());
                int side = size != null ? size : sd.nativeSize();
                List<Long> stepEnds = new ArrayList<>();
                long[] peakSteps = {0, 0, 0};
                GenerationRequest request = new GenerationRequest("a benchmark image", "", 1L, steps, null, null,
                        side, side, 1, null, null);
                long start = System.nanoTime();
                TextToImage.run(sd, request, (step, total, latents) -> {
                    if (step == total) { // the decode comes after
                        peakSteps[0] = MachineProbe.peakRssMb();
                        peakSteps[1] = MachineProbe.statusFieldMb("RssAnon:");
                        peakSteps[2] = MachineProbe.statusFieldMb("RssFile:");
                    }
                    return stepEnds.add(System.nanoTime());
                });
                long end = System.nanoTime();
                // the first interval also holds the prompt encoding and the allocators' warm-up
                double steady = seconds(stepEnds.get(0), stepEnds.get(steps - 1)) / (steps - 1);
                return new Result(model, side, steps, written.bytes() / 1e9, load, hash, seconds(start, stepEnds.get(0)),
                        steady, seconds(stepEnds.get(steps - 1), end), seconds(start, end), rssAfterLoad,
                        peakSteps[0], peakSteps[1], peakSteps[2], MachineProbe.peakRssMb(), reset, Benchmark.name(storage), loadBefore,
                        MachineProbe.loadAverage());
            }
        } finally {
            RandomModelFolder.delete(dir);
        }
    }

    private static double seconds(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e9;
    }
}
