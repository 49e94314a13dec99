package dev.diffusionlab.schedulers;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.diffusionlab.noise.NoiseSchedule;

/**
 * The float32 view of a training noise schedule that the schedulers compute with: {@code betas},
 * {@code alphas = 1 - betas} and {@code alphasCumprod = cumprod(alphas)}. The numbers come from stage 1's
 * {@link NoiseSchedule}, the single source of every schedule in this project (named schedules,
 * {@code trained_betas}, {@code rescale_betas_zero_snr}); this record only rounds them to float32 as
 * diffusers' torch tensors hold them.
 *
 * <pre>{@code
 * BetaSchedule s = BetaSchedule.of("scaled_linear", 0.00085, 0.012, 1000);
 * double abar999 = s.alphasCumprod()[999];   // ≈ 0.00466
 * }</pre>
 */
public record BetaSchedule(float[] betas, float[] alphas, float[] alphasCumprod) {

    /** One of the named schedules, no zero-SNR rescale. */
    public static BetaSchedule of(String betaSchedule, double betaStart, double betaEnd, int numTrainTimesteps) {
        return of(NoiseSchedule.fromConfig(betaSchedule, betaStart, betaEnd, numTrainTimesteps, false));
    }

    /** The float32 view of {@code s}. */
    public static BetaSchedule of(NoiseSchedule s) {
        return new BetaSchedule(toFloat(s.betas()), toFloat(s.alphas()), toFloat(s.alphasCumprod()));
    }

    /** From a scheduler config (keys beta_schedule, beta_start, beta_end, num_train_timesteps, trained_betas, rescale_betas_zero_snr). */
    public static BetaSchedule fromConfig(SchedulerConfig c) {
        return of(noiseSchedule(c));
    }

    /** The stage-1 {@link NoiseSchedule} a scheduler config describes. */
    public static NoiseSchedule noiseSchedule(SchedulerConfig c) {
        double[] trained = null;
        JsonElement tb = c.get("trained_betas");
        if (tb != null && !tb.isJsonNull()) {
            if (!tb.isJsonArray()) {
                throw new IllegalArgumentException(c.className() + " config 'trained_betas' must be a list of numbers");
            }
            JsonArray a = tb.getAsJsonArray();
            trained = new double[a.size()];
            for (int i = 0; i < trained.length; i++) {
                trained[i] = (float) a.get(i).getAsDouble();
            }
        }
        return NoiseSchedule.fromConfig(trained != null ? null : c.getString("beta_schedule"), c.getDouble("beta_start"),
                c.getDouble("beta_end"), c.getInt("num_train_timesteps"), rescaleZeroSnr(c), trained);
    }

    /** The config's {@code rescale_betas_zero_snr} (false when absent or null). */
    static boolean rescaleZeroSnr(SchedulerConfig c) {
        return c.get("rescale_betas_zero_snr") != null && !c.isNull("rescale_betas_zero_snr") && c.getBool("rescale_betas_zero_snr");
    }

    private static float[] toFloat(double[] d) {
        float[] r = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = (float) d[i];
        }
        return r;
    }

    /** Number of training timesteps. */
    public int numTrainTimesteps() {
        return betas.length;
    }
}
