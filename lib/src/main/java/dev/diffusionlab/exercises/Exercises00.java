package dev.diffusionlab.exercises;

import dev.diffusionlab.noise.NoiseSchedule;

/** Checks for the exercises of notebook 00 (the forward process's signal and noise weights). */
public final class Exercises00 {
    private Exercises00() {}

    /** 00.1: the linear schedule with β from 1e-4 to 0.05 over T = 1000 steps. */
    public static NoiseSchedule steepSchedule() {
        return NoiseSchedule.fromConfig("linear", 1e-4, 0.05, 1000, false);
    }

    /** The first t at which the signal weight √ᾱ_t of the schedule drops below 0.5. */
    static int firstBelowHalf(NoiseSchedule s) {
        double[] a = s.alphasCumprod();
        for (int t = 0; t < a.length; t++) {
            if (Math.sqrt(a[t]) < 0.5) {
                return t;
            }
        }
        return -1;
    }

    /** 00.1: at which timestep does √ᾱ_t first drop below 0.5 when β runs from 1e-4 to 0.05? */
    public static Check signalBelowHalf(int t) {
        String id = "00.1";
        NoiseSchedule s = steepSchedule();
        int want = firstBelowHalf(s);
        double[] a = s.alphasCumprod();
        if (t == want) {
            return Check.right(id, "√ᾱ_" + t + " = " + Check.fmt(Math.sqrt(a[t])) + " < 0.5 while √ᾱ_" + (t - 1) + " = "
                    + Check.fmt(Math.sqrt(a[t - 1])) + " (with β up to 0.02 it happens only at t = "
                    + firstBelowHalf(NoiseSchedule.fromConfig("linear", 1e-4, 0.02, 1000, false)) + ")");
        }
        if (t < 0 || t >= a.length) {
            return Check.wrong(id, "t must be a timestep 0..999, got " + t);
        }
        if (t < want) {
            return Check.wrong(id, "too early: at t = " + t + " the signal weight √ᾱ = " + Check.fmt(Math.sqrt(a[t]))
                    + " is still ≥ 0.5 (did you use ᾱ instead of √ᾱ, or the old β range?)");
        }
        return Check.wrong(id, "too late: √ᾱ is already below 0.5 before t = " + t + " (at t = " + (t - 1) + " it is "
                + Check.fmt(Math.sqrt(a[t - 1])) + "); look for the first t");
    }

    /**
     * 00.2: ᾱ_t computed by hand as the running product of (1 − β_s) for the chart's schedule (linear β from
     * 1e-4 to 0.02, T = 1000); compared with the library's table.
     */
    public static Check alphasCumprod(double[] answer) {
        String id = "00.2";
        double[] want = NoiseSchedule.fromConfig("linear", 1e-4, 0.02, 1000, false).alphasCumprod();
        if (answer == null || answer.length != want.length) {
            return Check.wrong(id, "expected " + want.length + " values (one per timestep), got "
                    + (answer == null ? "null" : answer.length));
        }
        for (int t = 0; t < want.length; t++) {
            if (!Check.close(answer[t], want[t], 1e-5)) {
                String hint = t == 0 ? " (ᾱ_0 = 1 − β_0: the product starts with the first step)"
                        : Check.close(answer[t], want[t - 1], 1e-5) ? " (your product is one step behind)" : "";
                return Check.wrong(id, "ᾱ_" + t + " should be " + Check.fmt(want[t]) + ", you have " + Check.fmt(answer[t]) + hint);
            }
        }
        return Check.right(id, "all 1000 values match; ᾱ_999 = " + Check.fmt(want[999])
                + ": the signal's variance is almost gone");
    }

    /**
     * 00.3: the share of x_t's variance that comes from the picture at t = 500 (the picture's pixels taken
     * to have variance 1, as the noise does): ᾱ_500 / (ᾱ_500 + (1 − ᾱ_500)) = ᾱ_500.
     */
    public static Check signalShareAt500(double share) {
        String id = "00.3";
        double a = NoiseSchedule.fromConfig("linear", 1e-4, 0.02, 1000, false).alphaCumprod(500);
        if (Check.close(share, a, 1e-3)) {
            return Check.right(id, "ᾱ_500 = " + Check.fmt(a) + ": the weights √ᾱ and √(1−ᾱ) square to variances that add up to 1");
        }
        if (Check.close(share, Math.sqrt(a), 1e-3)) {
            return Check.wrong(id, Check.fmt(share) + " is the signal *weight* √ᾱ; the variance share is its square");
        }
        return Check.wrong(id, Check.fmt(share) + " is not the picture's share: square each weight to get the variance it"
                + " contributes, then compare the picture's part with the total");
    }
}
