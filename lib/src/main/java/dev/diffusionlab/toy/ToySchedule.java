package dev.diffusionlab.toy;

import dev.diffusionlab.noise.NoiseSchedule;
import java.util.Locale;

/**
 * The noise schedule the toy model trains and samples with. It is stage 1's {@link NoiseSchedule} (the
 * diffusers definitions, the same class stage 3's schedulers derive their tables from) under a toy name,
 * so the toy's q(x_t | x_0) is {@link dev.diffusionlab.noise.ForwardProcess} on this schedule.
 *
 * <pre>{@code
 * ToySchedule s = ToySchedule.of("linear", 100);
 * double abar = s.alphasCumprod()[99];   // ~ e^-10: x_T is almost pure noise
 * }</pre>
 */
public interface ToySchedule {
    /** The schedule's name ("linear" or "cosine"), stored with a saved model. */
    String name();

    /** The stage-1 schedule behind this one. */
    NoiseSchedule noiseSchedule();

    /** {@code betas[t]}, length T. */
    default double[] betas() {
        return noiseSchedule().betas();
    }

    /** {@code alphasCumprod[t] = prod_{s<=t} (1 - betas[s])}, length T, decreasing. */
    default double[] alphasCumprod() {
        return noiseSchedule().alphasCumprod();
    }

    /** T, the number of training timesteps. */
    default int numTrainTimesteps() {
        return noiseSchedule().numTrainTimesteps();
    }

    /**
     * Linear betas, scaled so that any T reaches about the same final noise as DDPM's 1000 steps:
     * DDPM's 1e-4..0.02 over 1000 steps, rescaled (improved-DDPM style) so that alphasCumprod[T-1] ~ e^-10
     * for every T.
     */
    static ToySchedule linear(int numTrainTimesteps) {
        checkSteps(numTrainTimesteps);
        double scale = 1000.0 / numTrainTimesteps;
        return new Named("linear", NoiseSchedule.fromConfig("linear", Math.min(scale * 1e-4, 0.5), Math.min(scale * 0.02, 0.999),
                numTrainTimesteps, false));
    }

    /** The cosine schedule of Nichol &amp; Dhariwal (2021) ({@code squaredcos_cap_v2}), betas clipped at 0.999. */
    static ToySchedule cosine(int numTrainTimesteps) {
        checkSteps(numTrainTimesteps);
        return new Named("cosine", NoiseSchedule.fromConfig("squaredcos_cap_v2", 0, 0, numTrainTimesteps, false));
    }

    /** {@code "linear"} or {@code "cosine"}. */
    static ToySchedule of(String name, int numTrainTimesteps) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "linear" -> linear(numTrainTimesteps);
            case "cosine" -> cosine(numTrainTimesteps);
            default -> throw new IllegalArgumentException("unknown schedule '" + name + "' (linear, cosine)");
        };
    }

    private static void checkSteps(int steps) {
        if (steps < 2) {
            throw new IllegalArgumentException("numTrainTimesteps must be >= 2, got " + steps);
        }
    }

    /** A named stage-1 schedule. */
    record Named(String name, NoiseSchedule noiseSchedule) implements ToySchedule {}
}
