package dev.diffusionlab.schedulers;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Closed forms and invariants that need no fixtures. */
class SchedulerUnitTest {
    static final Map<String, Object> SD = Map.of("beta_schedule", "scaled_linear", "beta_start", 0.00085, "beta_end", 0.012,
            "num_train_timesteps", 1000, "steps_offset", 1, "clip_sample", false, "set_alpha_to_one", false);

    @Test
    void betaSchedulesMatchClosedForms() {
        BetaSchedule lin = BetaSchedule.of("linear", 1e-4, 0.02, 1000);
        assertEquals(1e-4, lin.betas()[0], 1e-10);
        assertEquals(0.02, lin.betas()[999], 1e-9);
        assertEquals(1e-4 + 0.0199 * 500 / 999, lin.betas()[500], 1e-8);
        BetaSchedule sl = BetaSchedule.of("scaled_linear", 0.00085, 0.012, 1000);
        double r = Math.sqrt(0.00085) + (Math.sqrt(0.012) - Math.sqrt(0.00085)) * 400 / 999;
        assertEquals(r * r, sl.betas()[400], 1e-9);
        double prod = 1;
        for (int i = 0; i < 1000; i++) {
            prod *= 1 - sl.betas()[i];
            assertEquals(prod, sl.alphasCumprod()[i], prod * 1e-6, "cumprod at " + i);
        }
        BetaSchedule cos = BetaSchedule.of("squaredcos_cap_v2", 0, 0, 1000);
        // alphas_cumprod of the cosine schedule is alpha_bar(t)/alpha_bar(0) until the 0.999 cap bites
        double f0 = Math.pow(Math.cos(0.008 / 1.008 * Math.PI / 2), 2);
        double f500 = Math.pow(Math.cos((0.5 + 0.008) / 1.008 * Math.PI / 2), 2);
        assertEquals(f500 / f0, cos.alphasCumprod()[499], 1e-5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BetaSchedule.of("quadratic", 0, 1, 10));
        assertTrue(e.getMessage().contains("quadratic"));
    }

    @Test
    void zeroTerminalSnrRescaleEndsAtZero() {
        Scheduler s = Schedulers.create("ddim", Map.of("rescale_betas_zero_snr", true, "beta_schedule", "scaled_linear",
                "beta_start", 0.00085, "beta_end", 0.012));
        float[] ac = s.betaSchedule().alphasCumprod();
        assertEquals(0.0, ac[999], 1e-12);
        assertEquals(BetaSchedule.of("scaled_linear", 0.00085, 0.012, 1000).alphasCumprod()[0], ac[0], 1e-6);
    }

    @Test
    void timestepOutsideTheScheduleIsAClearErrorForEverySigmaScheduler() {
        for (String name : List.of("euler", "lms", "heun", "dpmpp_2m", "unipc")) {
            Scheduler s = Schedulers.create(name, SD);
            s.setTimesteps(10);
            double t = s.timesteps()[0] + 0.5; // not one of the schedule's timesteps
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.zeros(new Shape(1, 4, 2, 2));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.addNoise(x, x, t), name);
                assertTrue(e.getMessage().contains("timestep " + t) && e.getMessage().contains(s.name()), e.getMessage());
            }
        }
    }

    @Test
    void timestepSpacings() {
        Scheduler lead = Schedulers.create("ddim", SD);
        lead.setTimesteps(10);
        assertArrayEquals(new double[] {901, 801, 701, 601, 501, 401, 301, 201, 101, 1}, lead.timesteps());
        Scheduler trail = Schedulers.create("ddim", Map.of("timestep_spacing", "trailing"));
        trail.setTimesteps(10);
        assertArrayEquals(new double[] {999, 899, 799, 699, 599, 499, 399, 299, 199, 99}, trail.timesteps());
        Scheduler lin = Schedulers.create("ddim", Map.of("timestep_spacing", "linspace"));
        lin.setTimesteps(4);
        assertArrayEquals(new double[] {999, 666, 333, 0}, lin.timesteps());
        Scheduler euler = Schedulers.create("euler", SD);
        euler.setTimesteps(4);
        assertArrayEquals(new double[] {999, 666, 333, 0}, euler.timesteps());
        double[] sig = euler.sigmas();
        assertEquals(5, sig.length);
        assertEquals(0.0, sig[4]);
        assertEquals(sig[0], euler.initNoiseSigma(), 0.0, "linspace spacing: init sigma is sigma_max");
        Scheduler eulerLead = Schedulers.create("euler", Map.of("timestep_spacing", "leading"));
        eulerLead.setTimesteps(4);
        double max = eulerLead.sigmas()[0];
        assertEquals(Math.sqrt(max * max + 1), eulerLead.initNoiseSigma(), 1e-12);
        Scheduler heun = Schedulers.create("heun", SD);
        heun.setTimesteps(3);
        assertArrayEquals(new double[] {999, 499.5f, 499.5f, 0, 0}, heun.timesteps());
        assertEquals(2, heun.order());
    }

    @Test
    void ddimEta0WithExactEpsilonRecoversX0AndTheNextMarginal() {
        try (NDManager m = Engines.newCpuManager(); Scheduler s = Schedulers.create("ddim", SD)) {
            s.setTimesteps(10);
            NDArray x0 = m.randomNormal(new Shape(1, 4, 4, 6));
            NDArray eps = m.randomNormal(new Shape(1, 4, 4, 6));
            int t = 501;
            NDArray xt = s.addNoise(x0, eps, t);
            StepOutput o = s.step(eps, t, xt);
            assertTrue(maxDiff(o.predOriginalSample(), x0) < 1e-5, "pred x0 equals x0");
            // eta = 0 with the exact eps lands exactly on the forward process at t - 100 with the same eps
            NDArray expected = s.addNoise(x0, eps, 401);
            assertTrue(maxDiff(o.prevSample(), expected) < 1e-5);
        }
    }

    @Test
    void vPredictionRoundTrip() {
        // v = sqrt(abar)·eps − sqrt(1−abar)·x0: every alpha scheduler's x0 must invert it
        try (NDManager m = Engines.newCpuManager()) {
            for (String name : List.of("ddim", "ddpm")) {
                try (Scheduler s = Schedulers.create(name, Map.of("prediction_type", "v_prediction", "clip_sample", false))) {
                    s.setTimesteps(10);
                    s.setNoiseSource(NoiseSource.seeded(1));
                    int t = (int) s.timesteps()[3];
                    double a = s.betaSchedule().alphasCumprod()[t];
                    NDArray x0 = m.randomNormal(new Shape(2, 3));
                    NDArray eps = m.randomNormal(new Shape(2, 3));
                    NDArray xt = s.addNoise(x0, eps, t);
                    NDArray v = eps.mul(Math.sqrt(a)).sub(x0.mul(Math.sqrt(1 - a)));
                    StepOutput o = s.step(v, t, xt);
                    assertTrue(maxDiff(o.predOriginalSample(), x0) < 1e-5, name);
                }
            }
        }
    }

    @Test
    void eulerWithExactEpsilonFollowsTheOdeExactly() {
        // x = x0 + sigma·eps with the exact eps: one Euler step gives x0 + sigma_next·eps
        try (NDManager m = Engines.newCpuManager(); Scheduler s = Schedulers.create("euler", SD)) {
            s.setTimesteps(5);
            NDArray x0 = m.randomNormal(new Shape(1, 4, 2, 2));
            NDArray eps = m.randomNormal(new Shape(1, 4, 2, 2));
            double t = s.timesteps()[1];
            NDArray x = s.addNoise(x0, eps, t);
            s.scaleModelInput(x, t);
            // the step index follows the timestep passed first
            StepOutput o = s.step(eps, t, x);
            NDArray expected = x0.add(eps.mul(s.sigmas()[2]));
            assertTrue(maxDiff(o.prevSample(), expected) < 1e-5);
        }
    }

    @Test
    void dpmAndUnipcFirstStepWithExactX0PredictionIsExact() {
        // predicting x0 exactly ("sample" prediction): DPM-Solver++ step 1 is x_t = (σ_t/σ_s)·x + α_t(1 − e^{−h})·x0 — exact for x = α_s x0 + σ_s eps
        try (NDManager m = Engines.newCpuManager()) {
            for (String name : List.of("dpmpp_2m", "dpmpp_2m_karras", "unipc")) {
                try (Scheduler s = Schedulers.create(name, Map.of("prediction_type", "sample"))) {
                    s.setTimesteps(8);
                    NDArray x0 = m.randomNormal(new Shape(1, 2, 2));
                    NDArray eps = m.randomNormal(new Shape(1, 2, 2));
                    double[] ts = s.timesteps();
                    double[] sig = s.sigmas();
                    NDArray x = s.addNoise(x0, eps, ts[0]);
                    StepOutput o = s.step(x0, ts[0], x);
                    // with exact x0 the data-prediction ODE keeps the same eps: x_next = alpha·x0 + sigma·eps at sigma[1]
                    double a1 = 1 / Math.sqrt(sig[1] * sig[1] + 1);
                    NDArray expected = x0.mul(a1).add(eps.mul(sig[1] * a1));
                    assertTrue(maxDiff(o.prevSample(), expected) < 2e-5, name + " " + maxDiff(o.prevSample(), expected));
                }
            }
        }
    }

    @Test
    void unknownNameListsKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedulers.create("karras_magic"));
        assertTrue(e.getMessage().contains("karras_magic"));
        assertTrue(e.getMessage().contains("dpmpp_2m_karras"));
        assertTrue(e.getMessage().contains("UniPCMultistepScheduler"));
        for (String n : Schedulers.names()) {
            try (Scheduler s = Schedulers.create(n)) {
                s.setTimesteps(10);
                assertTrue(s.timesteps().length >= 10, n);
            }
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Schedulers.create("ddim", Map.of("timestep_spacing", "cosine")).setTimesteps(5));
        assertTrue(bad.getMessage().contains("timestep_spacing"));
        IllegalArgumentException pred = assertThrows(IllegalArgumentException.class,
                () -> Schedulers.create("euler", Map.of("prediction_type", "flow")));
        assertTrue(pred.getMessage().contains("prediction_type"));
        IllegalStateException early = assertThrows(IllegalStateException.class, () -> Schedulers.create("euler").scaleModelInput(null, 999));
        assertTrue(early.getMessage().contains("setTimesteps"));
    }

    @Test
    void replayedNoiseIsUsedInOrderAndRunsOut() {
        try (NDManager m = Engines.newCpuManager(); Scheduler s = Schedulers.create("euler_a", SD)) {
            s.setTimesteps(2);
            Shape shape = new Shape(1, 1, 2, 2);
            NoiseSource.Replay r = NoiseSource.replay(List.of(m.ones(shape), m.ones(shape).mul(2)));
            s.setNoiseSource(r);
            NDArray x = m.zeros(shape);
            double[] ts = s.timesteps();
            for (double t : ts) {
                x = s.step(m.zeros(shape), t, s.scaleModelInput(x, t)).prevSample();
            }
            assertEquals(2, r.drawn());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.randn(shape, m));
            assertTrue(e.getMessage().contains("exhausted"));
            assertThrows(IllegalArgumentException.class, () -> NoiseSource.replay(List.of(m.ones(shape))).randn(new Shape(3), m));
        }
    }

    @Test
    void manyGenerationsDoNotGrowTheCallersManager() {
        // each generation: steps in per-step sub-managers; the scheduler's state is freed by setTimesteps/close
        try (NDManager m = Engines.newCpuManager()) {
            for (String name : List.of("pndm", "lms", "heun", "dpmpp_2m", "unipc", "ddpm")) {
                try (Scheduler s = Schedulers.create(name, SD)) {
                    int before = -1;
                    for (int gen = 0; gen < 4; gen++) {
                        s.setTimesteps(6);
                        try (NDManager g = m.newSubManager()) {
                            NDArray x = g.ones(new Shape(1, 4, 2, 2));
                            for (double t : s.timesteps()) {
                                try (NDManager sm = g.newSubManager()) {
                                    NDArray xs = x.duplicate();
                                    xs.attach(sm);
                                    NDArray mo = s.scaleModelInput(xs, t).mul(0.3);
                                    int inSm = sm.getManagedArrays().size();
                                    StepOutput o = s.step(mo, t, xs);
                                    int added = sm.getManagedArrays().size() - inSm;
                                    assertEquals(o.predOriginalSample() == null ? 1 : 2, added, name + ": step left temporaries");
                                    NDArray out = o.prevSample();
                                    out.attach(g);
                                    x = out;
                                }
                            }
                        }
                        assertEquals(0, countResources(m), name + ": arrays left in the caller's manager");
                        int state = s.stateArrayCount();
                        assertTrue(state <= 6, name + ": " + state + " state arrays kept after one generation");
                        if (before >= 0) {
                            assertEquals(before, state, name + ": state grew in generation " + gen);
                        }
                        before = state;
                    }
                    s.close();
                    assertEquals(0, s.stateArrayCount());
                }
            }
        }
    }

    private static int countResources(NDManager m) {
        // the caller's manager holds only the sub-managers still open (none here) and arrays made directly in it
        return m.getManagedArrays().size();
    }

    static double maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }
}
