package dev.diffusionlab.core;

/**
 * Up-front validation of user input (config values, options, sizes). Each check throws a
 * {@link UserInputException} naming where the value came from, the value and what was expected.
 */
public final class Checks {
    private Checks() {}

    /** Every entry {@code >= 1}, and at least one entry. */
    public static int[] positive(String where, String key, int[] values) {
        if (values.length == 0) {
            throw UserInputException.of(where, key, "[]", "a non-empty list of positive integers");
        }
        for (int v : values) {
            if (v < 1) {
                throw UserInputException.of(where, key, java.util.Arrays.toString(values), "positive integers only");
            }
        }
        return values;
    }

    /** {@code lo <= value <= hi}. */
    public static long inRange(String where, String key, long value, long lo, long hi) {
        if (value < lo || value > hi) {
            throw UserInputException.of(where, key, value, "an integer in [" + lo + ", " + hi + "]");
        }
        return value;
    }

    /** A finite number (not NaN, not infinite). */
    public static double finite(String where, String key, double value) {
        if (!Double.isFinite(value)) {
            throw UserInputException.of(where, key, value, "a finite number");
        }
        return value;
    }

    /** A finite number {@code > 0}. */
    public static double finitePositive(String where, String key, double value) {
        if (!Double.isFinite(value) || value <= 0) {
            throw UserInputException.of(where, key, value, "a finite number > 0");
        }
        return value;
    }

    /** A finite number in {@code [lo, hi]}. */
    public static double inRange(String where, String key, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw UserInputException.of(where, key, value, "a finite number in [" + lo + ", " + hi + "]");
        }
        return value;
    }

    /** {@code value} is a positive divisor of {@code of} (e.g. norm_num_groups of a channel count). */
    public static void divides(String where, String key, int value, String ofKey, int of) {
        if (value < 1 || of % value != 0) {
            throw UserInputException.of(where, key, value, "a positive divisor of " + ofKey + " = " + of);
        }
    }
}
