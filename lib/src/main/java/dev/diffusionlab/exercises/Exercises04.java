package dev.diffusionlab.exercises;

/** Checks for the exercises of notebook 04 (cross-attention). */
public final class Exercises04 {
    private Exercises04() {}

    /** 04.1: the probabilities one cross-attention layer computes at one step: pixels × tokens × heads (one batch half). */
    public static Check probabilitiesPerLayer(int height, int width, int tokens, int heads, long answer) {
        String id = "04.1";
        long want = (long) height * width * tokens * heads;
        if (answer == want) {
            return Check.right(id, height + "·" + width + " queries × " + tokens + " keys × " + heads + " heads = " + want
                    + "; each of the " + (long) height * width * heads + " rows sums to 1");
        }
        if (answer == (long) height * width * tokens) {
            return Check.wrong(id, "every head has its own softmax: multiply by the heads");
        }
        if (answer == (long) height * width * heads) {
            return Check.wrong(id, "that counts the rows; each row has one probability per token (L = " + tokens + ")");
        }
        return Check.wrong(id, "queries (pixels) × keys (tokens) × heads; you have " + answer);
    }

    /**
     * 04.2: a token that had probability p at a pixel, after re-weighting by f and renormalising the row:
     * f·p / (f·p + 1 − p).
     */
    public static Check reweighted(double p, double factor, double answer) {
        String id = "04.2";
        double want = factor * p / (factor * p + 1 - p);
        if (Check.close(answer, want, 1e-6)) {
            return Check.right(id, Check.fmt(want) + ": the other tokens keep their 1 − p, so the row sums to f·p + 1 − p before dividing");
        }
        if (Check.close(answer, Math.min(1, factor * p), 1e-6)) {
            return Check.wrong(id, "f·p is before renormalising; the row must sum to 1 again");
        }
        return Check.wrong(id, "multiply by f, then divide by the new row sum; you have " + Check.fmt(answer));
    }

    /** 04.3: the pixel (row-major index) where a heat map peaks. */
    public static Check peakIndex(float[] map, int answer) {
        String id = "04.3";
        int want = 0;
        for (int i = 1; i < map.length; i++) {
            if (map[i] > map[want]) {
                want = i;
            }
        }
        if (answer >= 0 && answer < map.length && map[answer] == map[want]) {
            return Check.right(id, "index " + answer + " holds the maximum " + Check.fmt(map[want]));
        }
        int low = 0;
        for (int i = 1; i < map.length; i++) {
            if (map[i] < map[low]) {
                low = i;
            }
        }
        if (answer == low) {
            return Check.wrong(id, "that is the minimum; the peak is where the word looks most");
        }
        return Check.wrong(id, "expected the index of the largest value (" + Check.fmt(map[want]) + "), you have " + answer);
    }
}
