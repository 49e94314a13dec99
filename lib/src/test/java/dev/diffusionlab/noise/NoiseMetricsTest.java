package dev.diffusionlab.noise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Gaussian;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;
import static org.junit.jupiter.api.Assertions.*;

class NoiseMetricsTest {
    @Test
    void psnrAndCorrelationClosedForms() {
        try (NDManager m = Engines.newCpuManager()) {
            NDArray a = m.create(new float[] {0f, 0.5f, -0.5f, 1f});
            NDArray b = a.add(0.1f); // MSE = 0.01 -> PSNR = 10 log10(4 / 0.01) = 26.02 dB
            assertEquals(10 * Math.log10(400), NoiseMetrics.psnr(b, a), 1e-4);
            assertEquals(1.0, NoiseMetrics.correlation(a, b), 1e-6);
            assertEquals(-1.0, NoiseMetrics.correlation(a, a.neg()), 1e-6);
        }
    }

    @Test
    void metricsFollowTheSchedule() {
        NoiseSchedule s = NoiseSchedule.of("linear");
        try (NDManager m = Engines.newCpuManager()) {
            NDArray x0 = Gaussian.noise(m, new Shape(3, 16, 16), 11).clip(-1f, 1f);
            NDArray others = Gaussian.noise(m, new Shape(5, 3, 16, 16), 12).mul(0.5f).clip(-1f, 1f);
            Table t = NoiseMetrics.table(s, x0, others, new int[] {0, 100, 999}, 5);
            assertEquals(3, t.rowCount());
            assertEquals(Math.sqrt(s.alphaCumprod(999)), t.doubleColumn("sqrt_alpha_bar").get(2), 1e-12);
            // correlation of x_t with x_0 ≈ √ᾱ·σ_x / sqrt(ᾱσ_x² + 1 − ᾱ)
            double vx = x0.sub(x0.mean()).square().mean().getFloat();
            for (int r = 0; r < 3; r++) {
                double a = s.alphaCumprod(t.intColumn("t").get(r));
                double expected = Math.sqrt(a * vx) / Math.sqrt(a * vx + 1 - a);
                assertEquals(expected, t.doubleColumn("correlation").get(r), 0.05, "row " + r);
                // ‖x_t − x_0‖² ≈ (1 − √ᾱ)²‖x_0‖² + (1 − ᾱ)·D
                double n2 = x0.square().sum().getFloat();
                double d = Math.sqrt(Math.pow(1 - Math.sqrt(a), 2) * n2 + (1 - a) * 768);
                assertEquals(d, t.doubleColumn("dist_to_original").get(r), 0.05 * d + 0.5, "row " + r);
            }
            assertTrue(t.doubleColumn("dist_to_original").get(0) < t.doubleColumn("dist_to_nearest_other").get(0));
            assertTrue(t.doubleColumn("psnr_db").get(0) > t.doubleColumn("psnr_db").get(2));
        }
    }
}
