package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.diffusionlab.core.Engines;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The flat Adam of the shapes trainer against DJL's per-parameter {@code adamUpdate} JNI op (the reference it
 * replaced): the same weights after several steps, with and without the clip's gradient rescale, on one and two workers.
 */
class FusedAdamTest {
    private static final int[] SIZES = {1000, 37}; // two modules' flat buffers

    @Test
    void flatStepsMatchDjlsAdamUpdate() {
        Engines.start();
        for (int workers : new int[] {1, 2}) {
            try (NDManager m = Engines.newCpuManager()) {
                m.getEngine().setRandomSeed(3);
                NDArray[] w = new NDArray[SIZES.length];
                NDArray[] ref = new NDArray[SIZES.length];
                float[][] start = new float[SIZES.length][];
                NDArray[][] refMoments = new NDArray[SIZES.length][];
                for (int i = 0; i < SIZES.length; i++) {
                    w[i] = m.randomNormal(new Shape(SIZES[i]));
                    ref[i] = w[i].duplicate();
                    start[i] = w[i].toFloatArray();
                    refMoments[i] = new NDArray[] {m.zeros(new Shape(SIZES[i])), m.zeros(new Shape(SIZES[i]))};
                }
                ShapesTrainer.FusedAdam adam = new ShapesTrainer.FusedAdam(0.01, m, workers);
                float[] rescales = {1f, 0.5f, 1f, 0.25f};
                double[] rates = {0.01, 0.02, 0.005, 0.01};
                for (int t = 1; t <= rescales.length; t++) {
                    adam.setLearningRate(rates[t - 1]);
                    Map<String, NDArray[]> wg = new LinkedHashMap<>();
                    for (int i = 0; i < SIZES.length; i++) {
                        NDArray g = m.randomNormal(new Shape(SIZES[i])).mul(t); // gradients of growing scale
                        float lr = (float) rates[t - 1];
                        float corrected = (float) (lr * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t)));
                        JniUtils.adamUpdate((PtNDArray) ref[i], (PtNDArray) g, (PtNDArray) refMoments[i][0], (PtNDArray) refMoments[i][1],
                                lr, corrected, 0f, rescales[t - 1], -1f, 0.9f, 0.999f, 1e-8f, false);
                        wg.put("module" + i, new NDArray[] {w[i], g});
                    }
                    adam.step(wg, rescales[t - 1]);
                }
                for (int i = 0; i < SIZES.length; i++) {
                    float[] want = ref[i].toFloatArray();
                    float[] got = w[i].toFloatArray();
                    double moved = 0;
                    for (int k = 0; k < want.length; k++) {
                        assertEquals(want[k], got[k], 1e-6 * Math.max(1, Math.abs(want[k])), workers + " workers, module " + i + " element " + k);
                        moved = Math.max(moved, Math.abs(got[k] - start[i][k]));
                    }
                    assertTrue(moved > 1e-2, "the steps moved the weights: " + moved);
                }
            }
        }
    }
}
