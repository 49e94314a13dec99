package dev.diffusionlab.shapes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.diffusionlab.nn.Module;
import java.util.Map;

/**
 * An exponential moving average of a module's weights (diffusers' {@code EMAModel}): after every
 * optimiser step {@code shadow ← d·shadow + (1 − d)·weight}, with the warm-up
 * {@code d = min(decay, (1 + step) / (10 + step))} so early averages do not remember the random start.
 * The averaged weights are what the trained folder ships: they are smoother than the last step's.
 * The module's parameters are packed ({@link Module#packParameters}), so the average is one flat buffer
 * and a step three native calls.
 */
final class EmaWeights {
    private final Module module;
    private final NDArray flat;
    private final double decay;
    private final NDArray shadow;

    /** Starts the average at the module's current weights ({@code flat}, its packed buffer); the copy lives in {@code manager}. */
    EmaWeights(Module module, NDArray flat, double decay, NDManager manager) {
        this.module = module;
        this.flat = flat;
        this.decay = decay;
        this.shadow = flat.duplicate();
        shadow.attach(manager);
    }

    /** The decay used after 0-based step {@code step}. */
    double decayAt(int step) {
        return Math.min(decay, (1.0 + step) / (10.0 + step));
    }

    /** One averaging step (outside autograd). */
    void update(int step) {
        double d = decayAt(step);
        try (NDArray diff = shadow.sub(flat)) {
            diff.muli((float) (1 - d));
            shadow.subi(diff);
        }
    }

    /** Overwrites the average with saved weights (a resumed run), named as the module's parameters. */
    void load(Map<String, NDArray> weights) {
        float[] all = new float[Math.toIntExact(shadow.size())];
        int offset = 0;
        for (String k : module.namedParameterSlots().keySet()) {
            NDArray w = weights.get(k);
            if (w == null) {
                throw new IllegalArgumentException("EMA weights miss '" + k + "'");
            }
            float[] v = w.toFloatArray();
            System.arraycopy(v, 0, all, offset, v.length);
            offset += v.length;
        }
        try (NDArray saved = shadow.getManager().create(all)) {
            copyInto(shadow, saved);
        }
    }

    /** Runs {@code r} with the averaged weights in the module, then puts the trained ones back. */
    void withAverage(Runnable r) {
        try (NDArray raw = flat.duplicate()) {
            try {
                copyInto(flat, shadow);
                r.run();
            } finally {
                copyInto(flat, raw);
            }
        }
    }

    /** Writes {@code src} into {@code dst}'s memory: the parameters are views of it ({@code set(float[])} would give it new storage). */
    private static void copyInto(NDArray dst, NDArray src) {
        dst.set(new NDIndex(":"), src);
    }
}
