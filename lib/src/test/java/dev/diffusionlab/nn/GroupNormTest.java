package dev.diffusionlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.diffusionlab.core.Engines;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * GroupNorm's training path (torch's layer norm without affine over each group, then the per-channel affine) against
 * the textbook formula written with plain ops: the same output and the same gradients for the input, weight and bias.
 */
class GroupNormTest {
    @Test
    void trainingPathMatchesTheFormulaAndItsGradients() {
        Engines.start();
        try (NDManager m = Engines.newCpuManager()) {
            Engine.getInstance().setRandomSeed(7);
            NDArray w0 = m.randomNormal(new Shape(8));
            NDArray b0 = m.randomNormal(new Shape(8));
            NDArray x0 = m.randomNormal(new Shape(2, 8, 4, 4)).mul(3).add(1);
            NDArray r = m.randomNormal(new Shape(2, 8, 4, 4)); // the loss sum(y·r) weighs every output differently
            GroupNorm gn = new GroupNorm(4, 8, 1e-5f);
            gn.loadStateDict(Map.of("weight", w0, "bias", b0), m, DataType.FLOAT32);
            gn.setRequiresGradient(true);
            float[][] ours = run(m, x0, r, gn::forward, gn);
            NDArray w = w0.duplicate();
            NDArray b = b0.duplicate();
            float[][] want = run(m, x0, r, x -> {
                NDArray g = x.reshape(2, 4, 32); // (B, C, H, W) -> (B, G, C/G·H·W)
                NDArray mean = g.mean(new int[] {2}, true);
                NDArray var = g.sub(mean).square().mean(new int[] {2}, true);
                NDArray xhat = g.sub(mean).div(var.add(1e-5f).sqrt()).reshape(2, 8, 4, 4);
                return xhat.mul(w.reshape(8, 1, 1)).add(b.reshape(8, 1, 1));
            }, w, b);
            String[] what = {"output", "input gradient", "weight gradient", "bias gradient"};
            for (int k = 0; k < what.length; k++) {
                double scale = 0;
                for (float v : want[k]) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertTrue(scale > 1e-3, what[k] + " is not zero");
                for (int i = 0; i < want[k].length; i++) {
                    assertEquals(want[k][i], ours[k][i], 1e-5 * scale, what[k] + " " + i);
                }
            }
        }
    }

    /** {output, d/dx, d/dweight, d/dbias} of sum(f(x)·r). */
    private static float[][] run(NDManager m, NDArray x0, NDArray r, java.util.function.UnaryOperator<NDArray> f, Object... params) {
        NDArray x = x0.duplicate();
        x.setRequiresGradient(true);
        NDArray weight;
        NDArray bias;
        if (params[0] instanceof GroupNorm gn) {
            weight = gn.namedParameters().get("weight");
            bias = gn.namedParameters().get("bias");
        } else {
            weight = (NDArray) params[0];
            bias = (NDArray) params[1];
            weight.setRequiresGradient(true);
            bias.setRequiresGradient(true);
        }
        float[] y;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray out = f.apply(x);
            y = out.toFloatArray();
            gc.backward(out.mul(r).sum());
        }
        return new float[][] {y, x.getGradient().toFloatArray(), weight.getGradient().toFloatArray(), bias.getGradient().toFloatArray()};
    }
}
