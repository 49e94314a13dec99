package dev.diffusionlab.pipeline;

import ai.djl.ndarray.NDArray;

/**
 * Called after every denoising step. The arrays are valid during the call only (copy what you keep,
 * e.g. {@code latents.toFloatArray()} or a decoded image). Return {@code false} to cancel the
 * generation; {@link StableDiffusionPipeline#generate} then throws {@link CancelledException}.
 */
@FunctionalInterface
public interface StepCallback {
    boolean onStep(Step step);

    /**
     * One step's state.
     *
     * @param index loop iteration (0-based); {@code count} iterations in all
     * @param timestep the scheduler timestep of this iteration
     * @param latents x_{t-1}, the latents after the step (B, 4, h, w)
     * @param noisePred the guided model output used by the step
     * @param noisePredUncond the unconditional branch, or null without classifier-free guidance
     * @param noisePredText the conditional branch
     * @param predOriginalSample the scheduler's predicted x0 in latent space, or null if it has none
     */
    record Step(int index, int count, double timestep, NDArray latents, NDArray noisePred,
                NDArray noisePredUncond, NDArray noisePredText, NDArray predOriginalSample) {}

    /** Thrown when a callback returned false. */
    final class CancelledException extends RuntimeException {
        public CancelledException(int step) {
            super("generation cancelled by the step callback at step " + step);
        }
    }
}
