package dev.diffusionlab.vae;

import ai.djl.ndarray.NDArray;

/**
 * The encoder's latent distribution: {@code mean}, {@code logvar} (clamped to [-30, 20] like
 * diffusers) and {@code std = exp(logvar/2)}; {@code sample(noise) = mean + std·noise}.
 */
public record DiagonalGaussian(NDArray mean, NDArray logvar, NDArray std) {
    /** A sample for the given N(0,1) noise of the latent's shape. */
    public NDArray sample(NDArray noise) {
        if (!noise.getShape().equals(mean.getShape())) {
            throw new IllegalArgumentException("noise shape " + noise.getShape() + " != latent shape " + mean.getShape());
        }
        return mean.add(std.mul(noise.toType(mean.getDataType(), false)));
    }

    /** The distribution's mode (= mean). */
    public NDArray mode() {
        return mean;
    }
}
