package dev.diffusionlab.toy;

import dev.diffusionlab.noise.NoiseSchedule;

/**
 * The toy schedules, taken from stage 1's {@link NoiseSchedule} (the diffusers definitions): linear
 * betas rescaled to T steps, and the cosine schedule ({@code squaredcos_cap_v2}).
 */
record ToyBetas(String name, double[] betas, double[] alphasCumprod) implements ToySchedule {

    static ToyBetas linear(int steps) {
        checkSteps(steps);
        // DDPM's 1e-4..0.02 over 1000 steps, rescaled (improved-DDPM style) so fewer steps reach
        // the same total noise: alphasCumprod[T-1] ~ e^-10 for every T.
        double scale = 1000.0 / steps;
        NoiseSchedule s = NoiseSchedule.fromConfig("linear", Math.min(scale * 1e-4, 0.5), Math.min(scale * 0.02, 0.999), steps, false);
        return new ToyBetas("linear", s.betas(), s.alphasCumprod());
    }

    static ToyBetas cosine(int steps) {
        checkSteps(steps);
        NoiseSchedule s = NoiseSchedule.fromConfig("squaredcos_cap_v2", 0, 0, steps, false);
        return new ToyBetas("cosine", s.betas(), s.alphasCumprod());
    }

    private static void checkSteps(int steps) {
        if (steps < 2) {
            throw new IllegalArgumentException("numTrainTimesteps must be >= 2, got " + steps);
        }
    }
}
