package dev.diffusionlab.attention;

/**
 * The denoising-loop iterations {@code from ≤ i < to} that a capture or a re-weighting acts on
 * ({@code to} = {@link Integer#MAX_VALUE}: to the end of the schedule, whatever its length).
 */
record StepRange(int from, int to) {
    /** Every iteration. */
    static final StepRange ALL = new StepRange(0, Integer.MAX_VALUE);

    StepRange {
        if (from < 0 || to <= from) {
            throw new IllegalArgumentException("step range [" + from + ", " + to + ") is empty or negative");
        }
    }

    /** True when iteration {@code step} is in the range. */
    boolean contains(int step) {
        return step >= from && step < to;
    }

    /** Refuses a range that ends after a schedule of {@code count} denoising iterations. */
    void checkWithin(int count) {
        if (to != Integer.MAX_VALUE && to > count) {
            throw new IllegalArgumentException("step range [" + from + ", " + to + ") is outside the schedule of "
                    + count + " denoising iterations (0.." + (count - 1) + ")");
        }
    }

    @Override
    public String toString() {
        return "[" + from + ", " + (to == Integer.MAX_VALUE ? "end" : to) + ")";
    }
}
