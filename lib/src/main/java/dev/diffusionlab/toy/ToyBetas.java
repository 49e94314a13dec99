package dev.diffusionlab.toy;

/**
 * Package-private stand-in for the stage-1 schedule class: linear and cosine betas and their
 * cumulative products. To be swapped for {@code dev.diffusionlab.noise} once that exists.
 */
record ToyBetas(String name, double[] betas, double[] alphasCumprod) implements ToySchedule {

    static ToyBetas linear(int steps) {
        checkSteps(steps);
        // DDPM's 1e-4..0.02 over 1000 steps, rescaled (improved-DDPM style) so fewer steps reach
        // the same total noise: alphasCumprod[T-1] ~ e^-10 for every T.
        double scale = 1000.0 / steps;
        double b0 = Math.min(scale * 1e-4, 0.5);
        double b1 = Math.min(scale * 0.02, 0.999);
        double[] betas = new double[steps];
        for (int t = 0; t < steps; t++) {
            betas[t] = steps == 1 ? b1 : b0 + (b1 - b0) * t / (steps - 1);
        }
        return new ToyBetas("linear", betas, cumprod(betas));
    }

    static ToyBetas cosine(int steps) {
        checkSteps(steps);
        double[] betas = new double[steps];
        for (int t = 0; t < steps; t++) {
            betas[t] = Math.min(1 - f(t + 1, steps) / f(t, steps), 0.999);
        }
        return new ToyBetas("cosine", betas, cumprod(betas));
    }

    /** The cosine schedule's alpha-bar(t) before normalisation, with s = 0.008. */
    private static double f(int t, int steps) {
        double c = Math.cos((t / (double) steps + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    private static double[] cumprod(double[] betas) {
        double[] a = new double[betas.length];
        double p = 1;
        for (int t = 0; t < betas.length; t++) {
            p *= 1 - betas[t];
            a[t] = p;
        }
        return a;
    }

    private static void checkSteps(int steps) {
        if (steps < 2) {
            throw new IllegalArgumentException("numTrainTimesteps must be >= 2, got " + steps);
        }
    }
}
