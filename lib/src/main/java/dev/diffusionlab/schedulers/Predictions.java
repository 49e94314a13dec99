package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/** Conversions of the model's prediction (epsilon, v, x0) shared by the schedulers. */
final class Predictions {
    private Predictions() {}

    /** x0 from the model output at cumulative alpha {@code a} (DDPM/DDIM parameterisation). */
    static NDArray x0FromAlpha(String predictionType, NDArray modelOutput, NDArray sample, double a) {
        double sa = Math.sqrt(a);
        double sb = Math.sqrt(1 - a);
        return switch (predictionType) {
            case "epsilon" -> sample.sub(modelOutput.mul(sb)).div(sa);
            case "sample" -> modelOutput.duplicate();
            default -> sample.mul(sa).sub(modelOutput.mul(sb)); // v_prediction
        };
    }

    /** x0 from the model output at noise level sigma (Karras parameterisation x = x0 + sigma·eps). */
    static NDArray x0FromSigma(String predictionType, NDArray modelOutput, NDArray sample, double sigma) {
        return switch (predictionType) {
            case "epsilon" -> sample.sub(modelOutput.mul(sigma));
            case "sample" -> modelOutput.duplicate();
            default -> modelOutput.mul(-sigma / Math.sqrt(sigma * sigma + 1)).add(sample.div(sigma * sigma + 1));
        };
    }
}
