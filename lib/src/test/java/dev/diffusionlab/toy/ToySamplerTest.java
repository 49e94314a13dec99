package dev.diffusionlab.toy;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The samplers with the exact (closed-form) noise predictor of a Gaussian data distribution. */
class ToySamplerTest {
    // data ~ N(mu, s^2 I): x_t ~ N(sqrt(abar) mu, (abar s^2 + 1 - abar) I), so the optimal
    // eps(x_t) = sqrt(1 - abar) (x_t - sqrt(abar) mu) / (abar s^2 + 1 - abar)
    static final double MU_X = 1.5;
    static final double MU_Y = -0.5;
    static final double S = 0.3;

    static ToySampler.EpsilonFn exact(double[] abar) {
        return (x, t, label, g) -> {
            double a = abar[t];
            double var = a * S * S + 1 - a;
            float[][] e = new float[x.length][2];
            for (int i = 0; i < x.length; i++) {
                e[i][0] = (float) (Math.sqrt(1 - a) * (x[i][0] - Math.sqrt(a) * MU_X) / var);
                e[i][1] = (float) (Math.sqrt(1 - a) * (x[i][1] - Math.sqrt(a) * MU_Y) / var);
            }
            return e;
        };
    }

    static double[] meanStd(float[][] p, int d) {
        double m = 0;
        for (float[] q : p) {
            m += q[d];
        }
        m /= p.length;
        double v = 0;
        for (float[] q : p) {
            v += (q[d] - m) * (q[d] - m);
        }
        return new double[] {m, Math.sqrt(v / p.length)};
    }

    // T = 1000 so that discretisation error is small (with T = 100 DDPM's std comes out ~8% low)
    @Test
    void bothSamplersRecoverTheGaussianWithTheExactPredictor() {
        for (String sched : new String[] {"linear", "cosine"}) {
            double[] abar = ToySchedule.of(sched, 1000).alphasCumprod();
            for (ToySampler.Kind kind : ToySampler.Kind.values()) {
                Trajectories tr = ToySampler.sample(exact(abar), abar, kind, ToySampler.noise(4000, 3), 1000, 4, null, 0,
                        new Standardizer(0, 0, 1, 1));
                assertEquals(1001, tr.frames().length);
                double[] mx = meanStd(tr.end(), 0);
                double[] my = meanStd(tr.end(), 1);
                String what = sched + " " + kind;
                assertEquals(MU_X, mx[0], 0.01, what + " mean x");
                assertEquals(MU_Y, my[0], 0.01, what + " mean y");
                assertEquals(S, mx[1], 0.015, what + " std x");
                assertEquals(S, my[1], 0.015, what + " std y");
            }
        }
    }

    @Test
    void ddimIsDeterministicAndRecordsTheStart() {
        double[] abar = ToySchedule.linear(50).alphasCumprod();
        float[][] start = ToySampler.noise(10, 1);
        Trajectories a = ToySampler.sample(exact(abar), abar, ToySampler.Kind.DDIM, start, 20, 1, null, 0, new Standardizer(0, 0, 1, 1));
        Trajectories b = ToySampler.sample(exact(abar), abar, ToySampler.Kind.DDIM, start, 20, 99, null, 0, new Standardizer(0, 0, 1, 1));
        assertArrayEquals(start[3], a.start()[3]);
        assertArrayEquals(a.end()[7], b.end()[7]);
        assertArrayEquals(new int[] {49, 46, 44}, java.util.Arrays.copyOf(a.timesteps(), 3));
        assertEquals(0, a.timesteps()[19]);
    }

    @Test
    void setTimestepsRejectsBadCounts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ToySampler.setTimesteps(100, 0));
        assertTrue(e.getMessage().contains("numInferenceSteps"));
        assertThrows(IllegalArgumentException.class, () -> ToySampler.setTimesteps(100, 101));
        assertThrows(IllegalArgumentException.class, () -> ToySampler.noise(0, 1));
    }
}
