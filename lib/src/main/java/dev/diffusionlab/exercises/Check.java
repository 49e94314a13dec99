package dev.diffusionlab.exercises;

import java.util.Locale;

/**
 * The verdict on one exercise answer: right or wrong, and why. Shown in a notebook as one line of text.
 *
 * <pre>{@code
 * Exercises00.signalBelowHalf(myT)          // shows "✔ 00.1 right: ..." or "✘ 00.1 not yet: ..."
 * Check.require(Exercises00.signalBelowHalf(myT));   // in solution notebooks: fail loudly when wrong
 * }</pre>
 */
public record Check(String exercise, boolean ok, String message) {

    /** A right answer. */
    public static Check right(String exercise, String why) {
        return new Check(exercise, true, why);
    }

    /** A wrong answer, with what is wrong. */
    public static Check wrong(String exercise, String why) {
        return new Check(exercise, false, why);
    }

    /** Returns the check when right; throws with its message when wrong (solution notebooks use this). */
    public static Check require(Check c) {
        if (!c.ok()) {
            throw new AssertionError(c.toString());
        }
        return c;
    }

    /** Relative-or-absolute closeness used by the numeric checks. */
    static boolean close(double a, double b, double tol) {
        return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    @Override
    public String toString() {
        return (ok ? "✔ " : "✘ ") + exercise + (ok ? " right: " : " not yet: ") + message;
    }
}
