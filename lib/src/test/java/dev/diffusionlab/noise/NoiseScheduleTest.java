package dev.diffusionlab.noise;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.core.Paths;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class NoiseScheduleTest {

    /** diffusers' tolerance rule: max|actual − expected| ≤ atol + rtol·max|expected|. */
    private static void assertClose(float[] expected, double[] actual, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double maxAbs = 0;
        double maxErr = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxErr = Math.max(maxErr, Math.abs(actual[i] - expected[i]));
        }
        assertTrue(maxErr <= rtol * maxAbs, what + ": max error " + maxErr + " > " + rtol + " * " + maxAbs);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sd-tiny-v1", "sd-tiny-v2"})
    void scaledLinearMatchesDiffusersReference(String model) throws Exception {
        Path cases = Paths.fixtures().map(f -> f.resolve(model).resolve("reference/cases.safetensors"))
                .filter(Files::isRegularFile).orElse(null);
        Assumptions.assumeTrue(cases != null,
                "skipped: parity fixtures not found (set DLAB_FIXTURES or provide ../shared/fixtures)");
        float[] betas = FixtureTensors.readF32(cases, "sched.train.betas");
        float[] abar = FixtureTensors.readF32(cases, "sched.train.alphas_cumprod");
        NoiseSchedule s = NoiseSchedule.fromConfig("scaled_linear", 0.00085, 0.012, 1000, false);
        // The fixture's own tolerances are rtol 1e-6 (betas) and 1e-5 (alphas_cumprod); we hold tighter.
        assertClose(betas, s.betas(), 1e-7, "betas");
        assertClose(abar, s.alphasCumprod(), 1e-6, "alphas_cumprod");
        // torch's float32 linspace is mirrored bit for bit
        for (int t = 0; t < 1000; t++) {
            assertEquals(betas[t], (float) s.betas()[t], "beta[" + t + "] bit-exact");
            assertEquals(abar[t], (float) s.alphasCumprod()[t], "alphas_cumprod[" + t + "] bit-exact");
        }
        // spot entries, element-wise to float32 rounding
        for (int t : new int[] {0, 1, 499, 500, 998, 999}) {
            assertEquals(betas[t], s.betas()[t], 2e-9, "beta[" + t + "]");
            assertEquals(abar[t], s.alphasCumprod()[t], 1e-6 * abar[t] + 1e-9, "alphas_cumprod[" + t + "]");
        }
    }

    @Test
    void stableDiffusionSigmaMaxAndKnownValues() {
        NoiseSchedule sd = NoiseSchedule.fromConfig("scaled_linear", 0.00085, 0.012, 1000, false);
        assertEquals(1000, sd.numTrainTimesteps());
        // diffusers EulerDiscreteScheduler(SD config).sigmas.max() = 14.6146 (init_noise_sigma = sqrt(σ²+1) = 14.6488)
        assertEquals(14.6146, sd.sigmas()[999], 5e-4);
        assertEquals(14.6488, Math.sqrt(sd.sigmas()[999] * sd.sigmas()[999] + 1), 5e-4);
        // σ_0 = sqrt(β_0/(1−β_0)) since ᾱ_0 = 1 − β_0
        // (within float32 ᾱ_0: 1 − ᾱ_0 loses digits to cancellation, in diffusers too)
        assertEquals(Math.sqrt(0.00085 / (1 - 0.00085)), sd.sigmas()[0], 1e-6);
        // ᾱ_999 of SD ≈ 0.0046, the well-known non-zero terminal SNR
        assertEquals(0.00466, sd.alphasCumprod()[999], 1e-4);
        double[] b = sd.betas();
        assertEquals(0.00085, b[0], 1e-9);
        assertEquals(0.012, b[999], 1e-9);
        // interior value: (sqrt(start) + k·(sqrt(end) − sqrt(start))/999)²
        double k = 500;
        double v = Math.sqrt(0.00085) + k * (Math.sqrt(0.012) - Math.sqrt(0.00085)) / 999;
        assertEquals(v * v, b[500], 1e-9);
    }

    @Test
    void linearEndpointsAndDerivedQuantities() {
        NoiseSchedule lin = NoiseSchedule.fromConfig("linear", 1e-4, 0.02, 1000, false);
        double[] b = lin.betas();
        assertEquals(1e-4, b[0], 1e-11);
        assertEquals(0.02, b[999], 1e-9);
        assertEquals(1e-4 + 250 * (0.02 - 1e-4) / 999, b[250], 1e-9);
        double[] a = lin.alphas();
        double[] abar = lin.alphasCumprod();
        double prod = 1;
        for (int t = 0; t < 1000; t++) {
            assertEquals(1 - b[t], a[t], 1e-7);
            prod *= a[t];
            assertEquals(prod, abar[t], 1e-6 * prod + 1e-12, "abar[" + t + "]");
        }
        // DDPM's linear schedule leaves ᾱ_999 ≈ 4.04e-5
        assertEquals(4.04e-5, abar[999], 1e-6);
        double[] sa = lin.sqrtAlphasCumprod();
        double[] sb = lin.sqrtOneMinusAlphasCumprod();
        double[] snr = lin.snr();
        double[] lsnr = lin.logSnr();
        double[] sig = lin.sigmas();
        for (int t : new int[] {0, 10, 500, 999}) {
            assertEquals(1.0, sa[t] * sa[t] + sb[t] * sb[t], 1e-12);
            assertEquals(sa[t] * sa[t] / (sb[t] * sb[t]), snr[t], 1e-9 * snr[t]);
            assertEquals(Math.log(snr[t]), lsnr[t], 1e-9);
            assertEquals(1 / Math.sqrt(snr[t]), sig[t], 1e-9 * sig[t]);
        }
        for (int t = 1; t < 1000; t++) {
            assertTrue(lsnr[t] < lsnr[t - 1], "log-SNR must fall monotonically");
        }
    }

    @Test
    void cosineMatchesFormulaWithMaxBeta() {
        NoiseSchedule cos = NoiseSchedule.of("squaredcos_cap_v2");
        double[] b = cos.betas();
        int n = 1000;
        for (int i = 0; i < n; i++) {
            double f1 = Math.pow(Math.cos(((double) i / n + 0.008) / 1.008 * Math.PI / 2), 2);
            double f2 = Math.pow(Math.cos(((double) (i + 1) / n + 0.008) / 1.008 * Math.PI / 2), 2);
            double expected = (float) Math.min(1 - f2 / f1, 0.999);
            assertEquals(expected, b[i], 0, "beta[" + i + "]");
        }
        assertEquals(0.999, b[999], 1e-7, "the last beta is capped at max_beta");
        assertTrue(b[998] < 0.999);
        // away from the cap, ᾱ_t follows f(t+1)/f(0)
        for (int t : new int[] {0, 100, 500, 900}) {
            double expected = NoiseSchedule.cosineAlphaBar((t + 1.0) / n) / NoiseSchedule.cosineAlphaBar(0);
            assertEquals(expected, cos.alphasCumprod()[t], 2e-5 * expected + 1e-7, "abar[" + t + "]");
        }
    }

    @Test
    void zeroTerminalSnrRescale() {
        NoiseSchedule base = NoiseSchedule.fromConfig("scaled_linear", 0.00085, 0.012, 1000, false);
        NoiseSchedule z = NoiseSchedule.fromConfig("scaled_linear", 0.00085, 0.012, 1000, true);
        assertTrue(z.zeroTerminalSnr());
        assertEquals(0.0, z.alphasCumprod()[999], 0.0);
        assertEquals(1.0, z.betas()[999], 0.0);
        assertEquals(base.sqrtAlphasCumprod()[0], z.sqrtAlphasCumprod()[0], 1e-6);
        assertEquals(Double.NEGATIVE_INFINITY, z.logSnr()[999]);
        assertEquals(Double.POSITIVE_INFINITY, z.sigmas()[999]);
        // the rescale is affine in √ᾱ: √ᾱ'_t = (√ᾱ_t − √ᾱ_T)·√ᾱ_0/(√ᾱ_0 − √ᾱ_T)
        double s0 = base.sqrtAlphasCumprod()[0];
        double sT = base.sqrtAlphasCumprod()[999];
        for (int t : new int[] {1, 300, 700, 998}) {
            double expected = (base.sqrtAlphasCumprod()[t] - sT) * s0 / (s0 - sT);
            assertEquals(expected, z.sqrtAlphasCumprod()[t], 2e-5, "sqrt abar[" + t + "]");
        }
    }

    @Test
    void trainedBetasAreUsedAsGiven() {
        double[] tb = {0.1, 0.2, 0.5};
        NoiseSchedule s = NoiseSchedule.fromConfig("ignored", 0, 0, 0, false, tb);
        assertEquals(3, s.numTrainTimesteps());
        assertEquals(0.9 * 0.8 * 0.5, s.alphasCumprod()[2], 1e-7);
    }

    @Test
    void badInputGetsOneClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.of("cosine"));
        assertTrue(e.getMessage().contains("unknown beta_schedule 'cosine'"), e.getMessage());
        assertTrue(e.getMessage().contains("squaredcos_cap_v2"), e.getMessage());
        NoiseSchedule s = NoiseSchedule.of("linear");
        e = assertThrows(IllegalArgumentException.class, () -> s.checkT(1000));
        assertTrue(e.getMessage().contains("t = 1000") && e.getMessage().contains("[0, 1000)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.alphaCumprod(-1));
        assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.fromConfig("linear", 0.02, 0.01, 1000, false));
        assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.fromConfig("linear", 1e-4, 0.02, 1, false));
    }
}
