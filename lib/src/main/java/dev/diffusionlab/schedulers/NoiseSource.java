package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Where every random draw of a scheduler (DDPM / DDIM eta &gt; 0 / Euler ancestral variance noise) comes
 * from, so that a caller can replay exact noise.
 *
 * <pre>{@code
 * scheduler.setNoiseSource(NoiseSource.seeded(42));                 // reproducible N(0,1)
 * scheduler.setNoiseSource(NoiseSource.replay(recordedTensors));    // the fixtures' recorded draws, in order
 * }</pre>
 */
@FunctionalInterface
public interface NoiseSource {
    /** A float32 N(0,1) array of {@code shape}, created in {@code manager}. */
    NDArray randn(Shape shape, NDManager manager);

    /** Deterministic N(0,1) from {@link java.util.Random} (engine-independent, same on every machine). */
    static NoiseSource seeded(long seed) {
        Random r = new Random(seed);
        return (shape, manager) -> {
            synchronized (r) {
                return dev.diffusionlab.core.Gaussian.noise(manager, shape, r); // stage 1's seeded draws
            }
        };
    }

    /**
     * Replays recorded draws in order (their values are copied now, so the given arrays may be closed);
     * a draw of another shape, or one more draw than recorded, fails with a clear exception.
     */
    static Replay replay(List<NDArray> recorded) {
        List<float[]> values = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (NDArray a : recorded) {
            values.add(a.toType(DataType.FLOAT32, false).toFloatArray());
            shapes.add(a.getShape());
        }
        return new Replay(values, shapes);
    }

    /** A replaying source; {@link #drawn()} says how many draws were used. */
    final class Replay implements NoiseSource {
        private final List<float[]> values;
        private final List<Shape> shapes;
        private int next;

        Replay(List<float[]> values, List<Shape> shapes) {
            this.values = values;
            this.shapes = shapes;
        }

        @Override
        public synchronized NDArray randn(Shape shape, NDManager manager) {
            if (next >= values.size()) {
                throw new IllegalStateException("replayed noise exhausted: draw #" + next + " of shape " + shape
                        + " but only " + values.size() + " draws were recorded");
            }
            if (!shapes.get(next).equals(shape)) {
                throw new IllegalArgumentException("replayed noise draw #" + next + " has shape " + shapes.get(next)
                        + " but shape " + shape + " was requested");
            }
            return manager.create(values.get(next++), shape);
        }

        /** Number of draws replayed so far. */
        public synchronized int drawn() {
            return next;
        }

        /** Number of recorded draws. */
        public int recorded() {
            return values.size();
        }
    }
}
