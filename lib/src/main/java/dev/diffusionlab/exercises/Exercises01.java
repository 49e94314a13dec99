package dev.diffusionlab.exercises;

import dev.diffusionlab.noise.NoiseSchedule;

/** Checks for the exercises of notebook 01 (image space and the forward process). */
public final class Exercises01 {
    private Exercises01() {}

    /** 01.1: the dimension of image space for size×size RGB pictures. */
    public static Check dimension(int size, long answer) {
        String id = "01.1";
        long want = 3L * size * size;
        if (answer == want) {
            return Check.right(id, "3 channels × " + size + " × " + size + " = " + want + " numbers, one axis each");
        }
        if (answer == (long) size * size) {
            return Check.wrong(id, answer + " counts pixels, but each pixel has 3 values (red, green, blue)");
        }
        return Check.wrong(id, "one axis per pixel value: channels × height × width; you have " + answer);
    }

    /**
     * 01.2: the typical L2 distance between two independent pictures whose D values are uniform in [−1, 1]:
     * each coordinate contributes E[(a − b)²] = 2/3, so the distance is about √(2D/3).
     */
    public static Check randomDistance(long dimension, double answer) {
        String id = "01.2";
        double want = Math.sqrt(2.0 * dimension / 3);
        if (Check.close(answer, want, 1e-3)) {
            return Check.right(id, "√(2·" + dimension + "/3) = " + Check.fmt(want) + ": E[(a−b)²] = Var a + Var b = 1/3 + 1/3 per value");
        }
        if (Check.close(answer, Math.sqrt(dimension / 3.0), 1e-3)) {
            return Check.wrong(id, "that is the distance from a random picture to the origin; two random pictures each add variance 1/3");
        }
        return Check.wrong(id, Check.fmt(answer) + " is not it for D = " + dimension
                + " (hint: the variance of U(−1, 1) is 1/3; add up E[(a − b)²] over the D values, then take the root)");
    }

    /** 01.3: Stable Diffusion's σ_999 = √((1 − ᾱ_999)/ᾱ_999) for the scaled_linear schedule. */
    public static Check sigmaMax(double answer) {
        String id = "01.3";
        NoiseSchedule s = NoiseSchedule.of("scaled_linear");
        double a = s.alphaCumprod(999);
        double want = Math.sqrt((1 - a) / a);
        if (Check.close(answer, want, 1e-4)) {
            return Check.right(id, "σ_999 = " + Check.fmt(want) + ": the sigma_max Euler-type samplers start from");
        }
        if (Check.close(answer, (1 - a) / a, 1e-4)) {
            return Check.wrong(id, "that is σ² = (1 − ᾱ)/ᾱ; take the square root");
        }
        return Check.wrong(id, "expected √((1 − ᾱ_999)/ᾱ_999) with ᾱ_999 = " + Check.fmt(a) + ", you have " + Check.fmt(answer));
    }
}
