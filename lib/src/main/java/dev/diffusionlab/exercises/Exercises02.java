package dev.diffusionlab.exercises;

import java.util.Random;

/** Checks for the exercises of notebook 02 (the toy model's score, DDIM step and guidance). */
public final class Exercises02 {
    private Exercises02() {}

    /** 02.1's predicted noise ε̂ at a point. */
    public static final double[] EPS = {0.3, -1.2};
    /** 02.1's ᾱ_t. */
    public static final double ALPHA_BAR = 0.64;

    /** 02.1: the score −ε̂ / √(1 − ᾱ_t) for {@link #EPS} and {@link #ALPHA_BAR}. */
    public static Check score(double[] answer) {
        String id = "02.1";
        double s1 = Math.sqrt(1 - ALPHA_BAR);
        double[] want = {-EPS[0] / s1, -EPS[1] / s1};
        if (answer == null || answer.length != 2) {
            return Check.wrong(id, "the score is a 2D vector: give {sx, sy}");
        }
        if (Check.close(answer[0], want[0], 1e-6) && Check.close(answer[1], want[1], 1e-6)) {
            return Check.right(id, "(" + Check.fmt(want[0]) + ", " + Check.fmt(want[1]) + "): the opposite of the noise,"
                    + " scaled up by 1/√(1−ᾱ) = " + Check.fmt(1 / s1));
        }
        if (Check.close(answer[0], -want[0], 1e-6) && Check.close(answer[1], -want[1], 1e-6)) {
            return Check.wrong(id, "sign: the score points *against* the predicted noise (towards denser data)");
        }
        if (Check.close(answer[0], -EPS[0] / (1 - ALPHA_BAR), 1e-6)) {
            return Check.wrong(id, "divide by √(1 − ᾱ), the noise's standard deviation, not by 1 − ᾱ");
        }
        return Check.wrong(id, "not the score −ε̂/√(1 − ᾱ_t): check the sign and the square root (you have ("
                + Check.fmt(answer[0]) + ", " + Check.fmt(answer[1]) + "))");
    }

    /** One deterministic DDIM step (η = 0) for one coordinate. */
    @FunctionalInterface
    public interface DdimStep {
        /** x_prev from x_t, the predicted noise ε̂, ᾱ_t and ᾱ_prev. */
        double apply(double x, double eps, double alphaBar, double alphaBarPrev);
    }

    /** The reference step: x̂0 = (x − √(1−ᾱ) ε̂)/√ᾱ, then x_prev = √ᾱ_prev x̂0 + √(1−ᾱ_prev) ε̂. */
    static double ddim(double x, double eps, double a, double ap) {
        double x0 = (x - Math.sqrt(1 - a) * eps) / Math.sqrt(a);
        return Math.sqrt(ap) * x0 + Math.sqrt(1 - ap) * eps;
    }

    /** 02.2: your DDIM step, tried on 200 random (x, ε̂, ᾱ_t, ᾱ_prev) against the reference. */
    public static Check ddimStep(DdimStep step) {
        String id = "02.2";
        Random r = new Random(2);
        for (int i = 0; i < 200; i++) {
            double x = 2 * r.nextGaussian();
            double e = r.nextGaussian();
            double a = 0.01 + 0.9 * r.nextDouble();
            double ap = a + (0.999 - a) * r.nextDouble();
            double want = ddim(x, e, a, ap);
            double got = step.apply(x, e, a, ap);
            if (!Check.close(got, want, 1e-6)) {
                String hint = Check.close(got, Math.sqrt(ap) * x + Math.sqrt(1 - ap) * e, 1e-6)
                        ? " (you used x_t where the step needs the predicted clean point x̂0 = (x − √(1−ᾱ) ε̂)/√ᾱ)" : "";
                return Check.wrong(id, String.format(java.util.Locale.ROOT,
                        "for x = %.3f, ε̂ = %.3f, ᾱ_t = %.3f, ᾱ_prev = %.3f expected %.6f, got %.6f", x, e, a, ap, want, got) + hint);
            }
        }
        return Check.right(id, "200 random steps match: predict x̂0, then re-noise it to the previous level with the same ε̂"
                + " (no fresh noise: that is why DDIM is deterministic)");
    }

    /** Classifier-free guidance for one coordinate. */
    @FunctionalInterface
    public interface Guidance {
        /** The guided ε̂ from the unconditional ε̂_u, the conditional ε̂_c and the scale w. */
        double apply(double epsUncond, double epsCond, double w);
    }

    /** 02.3: your guidance formula, tried on random values and the special scales 0 and 1. */
    public static Check guidance(Guidance g) {
        String id = "02.3";
        Random r = new Random(3);
        for (int i = 0; i < 100; i++) {
            double u = r.nextGaussian();
            double c = r.nextGaussian();
            double w = i == 0 ? 0 : i == 1 ? 1 : 8 * r.nextDouble();
            double want = u + w * (c - u);
            double got = g.apply(u, c, w);
            if (!Check.close(got, want, 1e-9)) {
                String hint = w == 0 ? " (w = 0 must give the unconditional ε̂_u)" : w == 1 ? " (w = 1 must give the conditional ε̂_c)"
                        : Check.close(got, c + w * (c - u), 1e-9) ? " (start from ε̂_u, not ε̂_c: diffusers' form is ε̂_u + w(ε̂_c − ε̂_u))" : "";
                return Check.wrong(id, String.format(java.util.Locale.ROOT, "for ε̂_u = %.3f, ε̂_c = %.3f, w = %.3f expected %.6f, got %.6f",
                        u, c, w, want, got) + hint);
            }
        }
        return Check.right(id, "ε̂_u + w·(ε̂_c − ε̂_u): w = 0 is unconditional, w = 1 conditional, w > 1 extrapolates beyond it");
    }
}
