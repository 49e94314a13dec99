package dev.diffusionlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.diffusionlab.core.Engines;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Regression test for the shapes trainer's random NaN: DJL wraps a Java buffer for {@code x.mul(0.5)}'s
 * scalar and frees it with the garbage collector while autograd still holds it. A garbage collection
 * and a heap of NaN-filled native buffers between forward and backward must not change any gradient.
 */
class GradientAfterGcTest {
    private static float[] gradient(UnaryOperator<NDArray> f, NDManager m, boolean churn) {
        try (NDManager s = m.newSubManager()) {
            NDArray x = s.arange(-40, 40, 1, DataType.FLOAT32).div(10f).reshape(2, 40);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = f.apply(x).sum();
                if (churn) {
                    churn();
                }
                gc.backward(y);
            }
            return x.getGradient().toFloatArray();
        }
    }

    /** Frees what the collector can and refills small native blocks with 0xFF bytes (a NaN pattern). */
    private static void churn() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            List<ByteBuffer> keep = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4 + (i % 16) * 4);
                while (b.hasRemaining()) {
                    b.put((byte) 0xFF);
                }
                keep.add(b);
            }
            keep.clear();
        }
    }

    @Test
    void trainedOpsKeepTheirScalarsThroughGarbageCollection() {
        Engines.start();
        Map<String, UnaryOperator<NDArray>> ops = new LinkedHashMap<>();
        ops.put("Ops.mul", x -> Ops.mul(x, 0.5));
        ops.put("Ops.div", x -> Ops.div(x, 4));
        ops.put("gelu", Activations::gelu);
        ops.put("quick_gelu", Activations::quickGelu);
        ops.put("silu", Activations::silu);
        ops.put("copy", x -> x.mul(Ops.copy(Ops.constant(x.getManager(), new float[] {3f}, new Shape(1), DataType.FLOAT32),
                DataType.FLOAT32)));
        try (NDManager m = Engines.newCpuManager()) {
            for (Map.Entry<String, UnaryOperator<NDArray>> e : ops.entrySet()) {
                float[] quiet = gradient(e.getValue(), m, false);
                for (int k = 0; k < 3; k++) {
                    float[] churned = gradient(e.getValue(), m, true);
                    assertArrayEquals(quiet, churned, e.getKey() + ": gradient changed after a garbage collection");
                }
                for (float v : quiet) {
                    assertTrue(Float.isFinite(v), e.getKey());
                }
            }
            // closed forms, so the comparison above is not between two wrong answers
            assertArrayEquals(filled(80, 0.5f), gradient(x -> Ops.mul(x, 0.5), m, true), 0f);
            assertArrayEquals(filled(80, 0.25f), gradient(x -> Ops.div(x, 4), m, true), 0f);
        }
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
