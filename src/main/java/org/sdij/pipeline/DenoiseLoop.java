package org.sdij.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.sdij.random.NoiseSource;
import org.sdij.sched.Sampler;

/**
 * The one denoising loop every pipeline shares: classifier-free guidance, extra UNet channels,
 * class labels, a listener per step, native memory scoped per step. Latents stay float32 in Java
 * between steps, so samplers are plain arithmetic and noise is device-independent.
 */
public final class DenoiseLoop {
    private DenoiseLoop() {}

    /**
     * What conditions the network, fixed for the whole run. Arrays live in a manager that outlives
     * the loop; they are already doubled (unconditional half first) when {@code guided}.
     *
     * @param context text embeddings: [2B, tokens, width] when guided ([negative; prompt]), else [B, ...]
     * @param extraChannels concatenated after the scaled latents along channels (inpainting mask and
     *     masked-image latents, depth, the upscaler's low-res image), or null
     * @param classLabels the upscaler's noise level per sample, or null
     * @param guidance classifier-free guidance scale; guided only when above 1, as diffusers
     * @param dtype the network's floating type (float16 on GPU)
     */
    public record Conditioning(NDArray context, NDArray extraChannels, NDArray classLabels,
                               double guidance, DataType dtype) {
        public boolean guided() {
            return guidance > 1.0;
        }
    }

    /**
     * Changes the latents a sampler step produced before the listener sees them and the next step starts
     * from them: masked img2img (inpainting with a 4-channel model) puts the known region back.
     */
    @FunctionalInterface
    public interface AfterStep {
        /** @param stepIndex index into {@code sampler.timesteps()} of the step just taken */
        float[] apply(int stepIndex, float[] latents);
    }

    /**
     * Runs sampler steps {@code begin .. timesteps().length-1} from {@code latents} ([B, 4, h, w], row-major)
     * and returns the final latents.
     */
    public static float[] run(Denoiser denoiser, Sampler sampler, int begin, float[] latents, Shape shape,
                              Conditioning conditioning, NoiseSource noise, StepListener listener,
                              NDManager manager) {
        return run(denoiser, sampler, begin, latents, shape, conditioning, noise, null, listener, manager);
    }

    /** As {@link #run(Denoiser, Sampler, int, float[], Shape, Conditioning, NoiseSource, StepListener, NDManager)},
     *  with {@code afterStep} (or null) applied after every step. */
    public static float[] run(Denoiser denoiser, Sampler sampler, int begin, float[] latents, Shape shape,
                              Conditioning conditioning, NoiseSource noise, AfterStep afterStep,
                              StepListener listener, NDManager manager) {
        double[] timesteps = sampler.timesteps();
        // count the steps asked for, not the model calls: a sampler's warm-up calls (PNDM's repeated first
        // timestep) come first and count 0, as diffusers' progress bar counts them
        int total = sampler.stepsFrom(begin);
        int warmUp = timesteps.length - begin - total;
        float[] current = latents;
        for (int i = begin; i < timesteps.length; i++) {
            float[] prediction;
            try (NDManager step = manager.newSubManager()) {
                float[] scaled = sampler.scaleModelInput(current, i);
                prediction = predict(denoiser, step, scaled, shape, timesteps[i], conditioning);
            }
            Sampler.Step taken = sampler.step(prediction, i, current, noise);
            current = taken.prevSample();
            if (afterStep != null) current = afterStep.apply(i, current);
            int done = Math.max(0, i - begin + 1 - warmUp);
            if (taken.predOriginalSample() != null) listener.onPrediction(done, total, taken.predOriginalSample(), shape);
            if (!listener.onStep(done, total, current)) throw new CancelledException(done, total);
        }
        return current;
    }

    private static float[] predict(Denoiser denoiser, NDManager step, float[] scaled, Shape shape, double t,
                                   Conditioning c) {
        NDArray x = step.create(scaled, shape);
        if (c.guided()) x = NDArrays.concat(new NDList(x, x), 0);
        if (c.extraChannels() != null) x = NDArrays.concat(new NDList(x, c.extraChannels().toType(DataType.FLOAT32, false)), 1);
        if (c.dtype() != DataType.FLOAT32) x = x.toType(c.dtype(), false);
        NDArray out = denoiser.predict(x, t, c.context(), c.classLabels());
        float[] values = out.toType(DataType.FLOAT32, false).toFloatArray();
        if (!c.guided()) return values;
        // [uncond; cond] -> uncond + g * (cond - uncond), elementwise in float32 as torch does
        int half = values.length / 2;
        float g = (float) c.guidance();
        float[] guided = new float[half];
        for (int j = 0; j < half; j++) {
            float uncond = values[j];
            guided[j] = uncond + g * (values[half + j] - uncond);
        }
        return guided;
    }
}
