package org.sdij.sched;

/** What the model predicts ({@code prediction_type}), and how to turn it into a clean-latent estimate. */
enum Prediction {
    EPSILON, V_PREDICTION, SAMPLE;

    static Prediction of(String name) {
        return switch (name) {
            case "epsilon" -> EPSILON;
            case "v_prediction" -> V_PREDICTION;
            case "sample", "original_sample" -> SAMPLE;
            default -> throw new IllegalArgumentException("Unknown prediction_type '" + name + "'");
        };
    }

    /** x0 from a variance-preserving sample x_t = sqrt(a) x0 + sqrt(1-a) eps (DDIM, DDPM). */
    float[] originalFromAlpha(float[] sample, float[] modelOutput, float alphaProd) {
        FloatArrays.checkSameLength(sample, modelOutput);
        float sqrtAlpha = (float) Math.sqrt(alphaProd);
        float sqrtBeta = (float) Math.sqrt(1f - alphaProd);
        float[] x0 = new float[sample.length];
        for (int i = 0; i < x0.length; i++) {
            x0[i] = switch (this) {
                case EPSILON -> (sample[i] - sqrtBeta * modelOutput[i]) / sqrtAlpha;
                case V_PREDICTION -> sqrtAlpha * sample[i] - sqrtBeta * modelOutput[i];
                case SAMPLE -> modelOutput[i];
            };
        }
        return x0;
    }

    /** x0 from a variance-exploding sample x = x0 + sigma eps (Euler, LMS), the model having seen x / sqrt(sigma^2+1). */
    float[] originalFromSigma(float[] sample, float[] modelOutput, float sigma) {
        FloatArrays.checkSameLength(sample, modelOutput);
        float vScale = -sigma / (float) Math.sqrt(sigma * sigma + 1f);
        float vDivide = sigma * sigma + 1f;
        float[] x0 = new float[sample.length];
        for (int i = 0; i < x0.length; i++) {
            x0[i] = switch (this) {
                case EPSILON -> sample[i] - sigma * modelOutput[i];
                case V_PREDICTION -> modelOutput[i] * vScale + sample[i] / vDivide;
                case SAMPLE -> modelOutput[i];
            };
        }
        return x0;
    }
}
