package dev.diffusionlab.exercises;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.noise.NoiseSchedule;
import org.junit.jupiter.api.Test;

/** Every exercise check rejects wrong answers (with a reason) and accepts the right one; solution notebooks prove the latter too. */
class ExercisesTest {
    static void rejects(Check c, String reasonPart) {
        assertFalse(c.ok(), c.toString());
        assertTrue(c.toString().startsWith("✘"), c.toString());
        assertTrue(c.message().contains(reasonPart), c.message());
        assertThrows(AssertionError.class, () -> Check.require(c));
    }

    static void accepts(Check c) {
        assertTrue(c.ok(), c.toString());
        assertSame(c, Check.require(c));
    }

    @Test
    void exercises00() {
        double[] a = Exercises00.steepSchedule().alphasCumprod();
        int t = 0;
        while (Math.sqrt(a[t]) >= 0.5) {
            t++;
        }
        accepts(Exercises00.signalBelowHalf(t));
        rejects(Exercises00.signalBelowHalf(t - 1), "too early");
        rejects(Exercises00.signalBelowHalf(t + 5), "too late");
        rejects(Exercises00.signalBelowHalf(-3), "0..999");

        double[] want = NoiseSchedule.fromConfig("linear", 1e-4, 0.02, 1000, false).alphasCumprod();
        accepts(Exercises00.alphasCumprod(want.clone()));
        double[] shifted = new double[1000];
        shifted[0] = 1;
        System.arraycopy(want, 0, shifted, 1, 999);
        rejects(Exercises00.alphasCumprod(shifted), "ᾱ_0");
        double[] late = want.clone();
        late[700] = want[699];
        rejects(Exercises00.alphasCumprod(late), "one step behind");
        rejects(Exercises00.alphasCumprod(new double[10]), "1000 values");

        accepts(Exercises00.signalShareAt500(want[500]));
        rejects(Exercises00.signalShareAt500(Math.sqrt(want[500])), "weight");
        rejects(Exercises00.signalShareAt500(0.5), "share");
    }

    @Test
    void exercises01() {
        accepts(Exercises01.dimension(64, 12288));
        accepts(Exercises01.dimension(32, 3072));
        rejects(Exercises01.dimension(64, 4096), "3 values");
        rejects(Exercises01.dimension(64, 12000), "channels");

        accepts(Exercises01.randomDistance(3072, Math.sqrt(2 * 3072 / 3.0)));
        rejects(Exercises01.randomDistance(3072, Math.sqrt(3072 / 3.0)), "origin");
        rejects(Exercises01.randomDistance(3072, 10), "1/3");

        double a = NoiseSchedule.of("scaled_linear").alphaCumprod(999);
        accepts(Exercises01.sigmaMax(Math.sqrt((1 - a) / a)));
        assertEquals(14.61, Math.sqrt((1 - a) / a), 0.01);
        rejects(Exercises01.sigmaMax((1 - a) / a), "square root");
        rejects(Exercises01.sigmaMax(1.0), "expected");
    }

    @Test
    void exercises02() {
        accepts(Exercises02.score(new double[] {-0.3 / 0.6, 1.2 / 0.6}));
        rejects(Exercises02.score(new double[] {0.3 / 0.6, -1.2 / 0.6}), "sign");
        rejects(Exercises02.score(new double[] {-0.3 / 0.36, 1.2 / 0.36}), "√(1 − ᾱ)");
        rejects(Exercises02.score(new double[] {1}), "2D");
        rejects(Exercises02.score(new double[] {0, 0}), "sign and the square root");

        accepts(Exercises02.ddimStep((x, e, ab, ap) -> Math.sqrt(ap) * (x - Math.sqrt(1 - ab) * e) / Math.sqrt(ab) + Math.sqrt(1 - ap) * e));
        rejects(Exercises02.ddimStep((x, e, ab, ap) -> Math.sqrt(ap) * x + Math.sqrt(1 - ap) * e), "x̂0");
        rejects(Exercises02.ddimStep((x, e, ab, ap) -> x), "expected");

        accepts(Exercises02.guidance((u, c, w) -> u + w * (c - u)));
        rejects(Exercises02.guidance((u, c, w) -> c + w * (c - u)), "w = 0");
        rejects(Exercises02.guidance((u, c, w) -> w * c), "w = 0");
        rejects(Exercises02.guidance((u, c, w) -> w == 0 ? u : c + w * (c - u)), "w = 1");
    }
}
