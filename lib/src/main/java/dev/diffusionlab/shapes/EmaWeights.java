package dev.diffusionlab.shapes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.nn.Module;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exponential moving average of a module's weights (diffusers' {@code EMAModel}): after every
 * optimiser step {@code shadow ← d·shadow + (1 − d)·weight}, with the warm-up
 * {@code d = min(decay, (1 + step) / (10 + step))} so early averages do not remember the random start.
 * The averaged weights are what the trained folder ships: they are smoother than the last step's.
 */
final class EmaWeights {
    private final Module module;
    private final double decay;
    private final Map<String, NDArray> shadow = new LinkedHashMap<>();

    /** Starts the average at the module's current weights; the copies live in {@code manager}. */
    EmaWeights(Module module, double decay, NDManager manager) {
        this.module = module;
        this.decay = decay;
        for (Map.Entry<String, NDArray> e : module.namedParameters().entrySet()) {
            NDArray c = e.getValue().duplicate();
            c.attach(manager);
            shadow.put(e.getKey(), c);
        }
    }

    /** The decay used after 0-based step {@code step}. */
    double decayAt(int step) {
        return Math.min(decay, (1.0 + step) / (10.0 + step));
    }

    /** One averaging step (outside autograd). */
    void update(int step) {
        double d = decayAt(step);
        for (Map.Entry<String, NDArray> e : module.namedParameters().entrySet()) {
            NDArray s = shadow.get(e.getKey());
            try (NDArray diff = s.sub(e.getValue())) {
                diff.muli((float) (1 - d));
                s.subi(diff);
            }
        }
    }

    /** Overwrites the average with saved weights (a resumed run). */
    void load(Map<String, NDArray> weights) {
        for (Map.Entry<String, NDArray> e : shadow.entrySet()) {
            NDArray w = weights.get(e.getKey());
            if (w == null) {
                throw new IllegalArgumentException("EMA weights miss '" + e.getKey() + "'");
            }
            e.getValue().set(w.toFloatArray());
        }
    }

    /** Runs {@code r} with the averaged weights in the module, then puts the trained ones back. */
    void withAverage(Runnable r) {
        Map<String, NDArray> params = module.namedParameters();
        Map<String, float[]> raw = new LinkedHashMap<>();
        params.forEach((k, p) -> raw.put(k, p.toFloatArray()));
        try {
            params.forEach((k, p) -> p.set(shadow.get(k).toFloatArray()));
            r.run();
        } finally {
            params.forEach((k, p) -> p.set(raw.get(k)));
        }
    }
}
