package dev.diffusionlab.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;

/**
 * Seeded standard-normal noise. Drawn in Java ({@link Random#nextGaussian()}) rather than by the engine,
 * so the same seed gives the same noise on every machine, device and engine build.
 *
 * <pre>{@code NDArray eps = Gaussian.noise(manager, new Shape(3, 64, 64), 42); // float32 N(0, 1)}</pre>
 */
public final class Gaussian {
    private Gaussian() {}

    /** float32 N(0,1) noise of the given shape from a fresh generator seeded with {@code seed}. */
    public static NDArray noise(NDManager manager, Shape shape, long seed) {
        return noise(manager, shape, new Random(seed));
    }

    /** float32 N(0,1) noise of the given shape drawn from {@code rng} (continues its stream). */
    public static NDArray noise(NDManager manager, Shape shape, Random rng) {
        long n = shape.size();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("noise shape " + shape + " is too large for one array");
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return manager.create(v, shape);
    }
}
