package org.sdij.sched;

/**
 * A sampler whose latents stay variance preserving (DDIM, PNDM, DDPM, DPM-Solver++): the model input is the
 * sample itself and text-to-image starts from noise of sigma 1.
 */
interface VariancePreserving extends Sampler {

    @Override
    default float initNoiseSigma() {
        return 1f;
    }

    @Override
    default float[] scaleModelInput(float[] sample, int stepIndex) {
        return sample;
    }
}
