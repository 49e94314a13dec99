package dev.diffusionlab.toy;

import java.util.Locale;

/**
 * The noise schedule the toy model trains and samples with: {@code alphasCumprod[t]} for
 * {@code t = 0..T-1}. A deliberately tiny interface so that the stage-1 schedule class
 * ({@code dev.diffusionlab.noise}) sits behind it without touching the
 * toy code; {@link ToyBetas} takes the numbers from stage 1.
 *
 * <pre>{@code
 * ToySchedule s = ToySchedule.of("linear", 100);
 * double abar = s.alphasCumprod()[99];   // ~ e^-10: x_T is almost pure noise
 * }</pre>
 */
public interface ToySchedule {
    /** The schedule's name ("linear" or "cosine"), stored with a saved model. */
    String name();

    /** {@code betas[t]}, length T. */
    double[] betas();

    /** {@code alphasCumprod[t] = prod_{s<=t} (1 - betas[s])}, length T, decreasing. */
    double[] alphasCumprod();

    /** T, the number of training timesteps. */
    default int numTrainTimesteps() {
        return betas().length;
    }

    /** Linear betas, scaled so that any T reaches about the same final noise as DDPM's 1000 steps. */
    static ToySchedule linear(int numTrainTimesteps) {
        return ToyBetas.linear(numTrainTimesteps);
    }

    /** The cosine schedule of Nichol &amp; Dhariwal (2021), betas clipped at 0.999. */
    static ToySchedule cosine(int numTrainTimesteps) {
        return ToyBetas.cosine(numTrainTimesteps);
    }

    /** {@code "linear"} or {@code "cosine"}. */
    static ToySchedule of(String name, int numTrainTimesteps) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "linear":
                return linear(numTrainTimesteps);
            case "cosine":
                return cosine(numTrainTimesteps);
            default:
                throw new IllegalArgumentException("unknown schedule '" + name + "' (linear, cosine)");
        }
    }
}
