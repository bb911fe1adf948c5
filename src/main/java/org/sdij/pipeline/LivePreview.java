package org.sdij.pipeline;

import ai.djl.ndarray.types.Shape;

/**
 * A step listener that also shows what the image is becoming: at the first step and then every {@code every}
 * steps, the sampler's prediction of the final latents (of the batch's first image) through the model's
 * {@link LatentRgbMap}, at the image's size, handed to a {@link Sink}. The map costs milliseconds against a
 * step's seconds; so that previews never cost more than {@link #BUDGET} of the run, however fast the steps (a
 * tiny model, a GPU), a due preview is skipped while the previews so far have taken more than that share of
 * the time since the first step. Everything else goes to the wrapped listener unchanged, so the run's numbers
 * are the same with and without previews.
 */
public final class LivePreview implements StepListener {

    /** Where previews go: a window, a file. */
    @FunctionalInterface
    public interface Sink {
        void show(RgbImage preview, int step, int total);
    }

    /** The most of a run's time that previews may take. */
    public static final double BUDGET = 0.05;

    private final StepListener inner;
    private final LatentRgbMap map;
    private final int factor;
    private final int every;
    private final Sink sink;
    private long firstNanos = -1;
    private long spentNanos;
    private int shown;

    private LivePreview(StepListener inner, LatentRgbMap map, int factor, int every, Sink sink) {
        this.inner = inner;
        this.map = map;
        this.factor = factor;
        this.every = every;
        this.sink = sink;
    }

    /**
     * {@code inner} with previews every {@code every} steps; {@code inner} itself when {@code every} is 0 or
     * less or the model's VAE has no shipped map (the x4 upscaler's).
     */
    public static StepListener around(StepListener inner, StableDiffusion model, int every, Sink sink) {
        LatentRgbMap map = every > 0 ? LatentRgbMap.forVae(model.vae().config()) : null;
        return map == null ? inner : new LivePreview(inner, map, model.vaeScale(), every, sink);
    }

    /** Previews shown so far. */
    public int shown() {
        return shown;
    }

    @Override
    public void onPrediction(int step, int total, float[] predicted, Shape shape) {
        long now = System.nanoTime();
        if (firstNanos < 0) firstNanos = now;
        boolean due = shown == 0 ? step > 0 : step % every == 0 && spentNanos <= BUDGET * (now - firstNanos);
        if (due) {
            sink.show(map.image(predicted, shape, 0, factor), step, total);
            shown++;
            spentNanos += System.nanoTime() - now;
        }
        inner.onPrediction(step, total, predicted, shape);
    }

    @Override
    public boolean onStep(int step, int total, float[] latents) {
        return inner.onStep(step, total, latents);
    }

    @Override
    public boolean onDecode(int done, int total) {
        return inner.onDecode(done, total);
    }
}
