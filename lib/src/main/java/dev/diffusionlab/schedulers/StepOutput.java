package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * The result of {@link Scheduler#step}: the sample at the previous (less noisy) timestep and, for the
 * schedulers that compute it in diffusers, the predicted clean sample x0 (else null). Both live in the
 * manager of the sample passed to {@code step}.
 */
public record StepOutput(NDArray prevSample, NDArray predOriginalSample) {}
