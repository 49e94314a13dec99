package dev.diffusionlab.noise;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardProcessTest {
    private static final float[] X0 = {-1f, -0.3f, 0.5f, 1f};

    /** Checks per-pixel mean ≈ √ᾱ·x0 and variance ≈ 1 − ᾱ over the batch axis of (N, 4) draws. */
    private static void assertMoments(NDArray draws, double abar, String what) {
        int n = (int) draws.getShape().get(0);
        float[] mean = draws.mean(new int[] {0}).toFloatArray();
        float[] var = draws.sub(draws.mean(new int[] {0})).square().mean(new int[] {0}).toFloatArray();
        double sd = Math.sqrt(1 - abar);
        for (int i = 0; i < X0.length; i++) {
            // 5 standard errors: mean SE = sd/√n, variance SE ≈ var·√(2/n)
            assertEquals(Math.sqrt(abar) * X0[i], mean[i], 5 * sd / Math.sqrt(n), what + " mean[" + i + "]");
            assertEquals(1 - abar, var[i], 5 * (1 - abar) * Math.sqrt(2.0 / n), what + " var[" + i + "]");
        }
    }

    @Test
    void closedFormAndStepByStepAgreeInDistribution() {
        NoiseSchedule s = NoiseSchedule.of("linear");
        ForwardProcess q = new ForwardProcess(s);
        int n = 20000;
        int t = 300;
        double abar = s.alphaCumprod(t);
        try (NDManager m = Engines.newCpuManager()) {
            NDArray x0 = m.create(X0).expandDims(0).repeat(0, n); // (4,) -> (N, 4)
            ForwardProcess.Noised closed = q.sample(x0, t, 1);
            assertMoments(closed.xt(), abar, "closed form");
            // the returned noise is standard normal and reproduces x_t
            assertEquals(0.0, closed.noise().mean().getFloat(), 0.01);
            assertEquals(1.0, closed.noise().square().mean().getFloat(), 0.01);
            NDArray rebuilt = x0.mul((float) Math.sqrt(abar)).add(closed.noise().mul((float) Math.sqrt(1 - abar)));
            assertTrue(rebuilt.allClose(closed.xt(), 0, 1e-6, false));

            ForwardProcess.Noised walked = q.walk(x0, t, 2);
            assertMoments(walked.xt(), abar, "step by step");
            assertEquals(1.0, walked.noise().square().mean().getFloat(), 0.02, "equivalent ε has unit variance");
        }
    }

    @Test
    void addNoiseIsDiffusersFormula() {
        NoiseSchedule s = NoiseSchedule.of("scaled_linear");
        ForwardProcess q = new ForwardProcess(s);
        try (NDManager m = Engines.newCpuManager()) {
            NDArray x0 = m.create(new float[] {0.5f, -0.25f});
            NDArray eps = m.create(new float[] {1f, 2f});
            float[] xt = q.addNoise(x0, eps, 999).toFloatArray();
            double a = s.alphasCumprod()[999];
            assertEquals(Math.sqrt(a) * 0.5 + Math.sqrt(1 - a), xt[0], 1e-6);
            assertEquals(-Math.sqrt(a) * 0.25 + 2 * Math.sqrt(1 - a), xt[1], 1e-6);
            // batched timesteps: row b uses timesteps[b]
            NDArray xb = m.create(new float[] {1f, 1f, 1f, 1f}, new Shape(2, 2));
            NDArray eb = m.create(new float[] {0f, 0f, 1f, 1f}, new Shape(2, 2));
            float[] out = q.addNoise(xb, eb, new int[] {0, 500}).toFloatArray();
            assertEquals(Math.sqrt(s.alphasCumprod()[0]), out[0], 1e-6);
            assertEquals(Math.sqrt(s.alphasCumprod()[500]) + Math.sqrt(1 - s.alphasCumprod()[500]), out[3], 1e-6);
        }
    }

    @Test
    void seededAndReproducible() {
        ForwardProcess q = new ForwardProcess(NoiseSchedule.of("squaredcos_cap_v2"));
        try (NDManager m = Engines.newCpuManager()) {
            NDArray x0 = m.zeros(new Shape(3, 8, 8));
            NDArray a = q.sample(x0, 400, 7).xt();
            NDArray b = q.sample(x0, 400, 7).xt();
            NDArray c = q.sample(x0, 400, 8).xt();
            assertArrayEquals(a.toFloatArray(), b.toFloatArray());
            assertFalse(a.allClose(c));
            List<NDArray> w1 = q.trajectory(x0, new int[] {10, 100}, 3);
            List<NDArray> w2 = q.trajectory(x0, new int[] {100, 10}, 3);
            assertArrayEquals(w1.get(0).toFloatArray(), w2.get(1).toFloatArray());
            assertArrayEquals(w1.get(1).toFloatArray(), w2.get(0).toFloatArray());
        }
    }

    @Test
    void stepIsOneMarkovStep() {
        NoiseSchedule s = NoiseSchedule.of("linear");
        ForwardProcess q = new ForwardProcess(s);
        try (NDManager m = Engines.newCpuManager()) {
            NDArray x = m.create(new float[] {0.8f});
            NDArray e = m.create(new float[] {-1.5f});
            double beta = s.betas()[42];
            assertEquals(Math.sqrt(1 - beta) * 0.8 - Math.sqrt(beta) * 1.5, q.step(x, e, 42).getFloat(), 1e-6);
        }
    }

    @Test
    void badTimestepOrShapeIsRefused() {
        ForwardProcess q = new ForwardProcess(NoiseSchedule.of("linear"));
        try (NDManager m = Engines.newCpuManager()) {
            NDArray x = m.zeros(new Shape(3, 4, 4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.sample(x, 1000, 1));
            assertTrue(e.getMessage().contains("t = 1000"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> q.addNoise(x, x, -1));
            assertThrows(IllegalArgumentException.class, () -> q.trajectory(x, new int[] {5, 1000}, 1));
            e = assertThrows(IllegalArgumentException.class, () -> q.addNoise(x, m.zeros(new Shape(3, 4, 5)), 10));
            assertTrue(e.getMessage().contains("(3, 4, 5)"), e.getMessage());
        }
    }
}
