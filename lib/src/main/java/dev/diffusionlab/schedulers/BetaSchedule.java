package dev.diffusionlab.schedulers;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.diffusionlab.noise.NoiseSchedule;

/**
 * The training noise schedule of a diffusers scheduler: {@code betas}, {@code alphas = 1 - betas} and
 * {@code alphasCumprod = cumprod(alphas)}, computed with float32 arithmetic like diffusers' torch code
 * ({@code scaled_linear = linspace(sqrt(beta_start), sqrt(beta_end), N, float32)**2}, {@code linear},
 * {@code squaredcos_cap_v2}, {@code trained_betas}, optional {@code rescale_betas_zero_snr}).
 *
 * <pre>{@code
 * BetaSchedule s = BetaSchedule.of("scaled_linear", 0.00085, 0.012, 1000);
 * double abar999 = s.alphasCumprod()[999];   // ≈ 0.00466
 * }</pre>
 */
public record BetaSchedule(float[] betas, float[] alphas, float[] alphasCumprod) {

    /** One of the named schedules, no zero-SNR rescale. */
    public static BetaSchedule of(String betaSchedule, double betaStart, double betaEnd, int numTrainTimesteps) {
        return fromBetas(betas(betaSchedule, betaStart, betaEnd, numTrainTimesteps, null), false);
    }

    /** From a scheduler config (keys beta_schedule, beta_start, beta_end, num_train_timesteps, trained_betas, rescale_betas_zero_snr). */
    public static BetaSchedule fromConfig(SchedulerConfig c) {
        float[] trained = null;
        JsonElement tb = c.get("trained_betas");
        if (tb != null && !tb.isJsonNull()) {
            if (!tb.isJsonArray()) {
                throw new IllegalArgumentException(c.className() + " config 'trained_betas' must be a list of numbers");
            }
            JsonArray a = tb.getAsJsonArray();
            trained = new float[a.size()];
            for (int i = 0; i < trained.length; i++) {
                trained[i] = (float) a.get(i).getAsDouble();
            }
        }
        boolean rescale = c.get("rescale_betas_zero_snr") != null && !c.isNull("rescale_betas_zero_snr") && c.getBool("rescale_betas_zero_snr");
        float[] b = betas(trained != null ? null : c.getString("beta_schedule"), c.getDouble("beta_start"), c.getDouble("beta_end"),
                c.getInt("num_train_timesteps"), trained);
        return fromBetas(b, rescale);
    }

    /** The betas, from stage 1's {@link NoiseSchedule} (bit-exact with torch's float32 linspace). */
    static float[] betas(String schedule, double betaStart, double betaEnd, int n, float[] trained) {
        if (trained != null) {
            return trained.clone();
        }
        double[] d = NoiseSchedule.fromConfig(schedule, betaStart, betaEnd, n, false).betas();
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = (float) d[i];
        }
        return r;
    }

    static BetaSchedule fromBetas(float[] betas, boolean rescaleZeroSnr) {
        float[] b = betas.clone();
        if (rescaleZeroSnr) {
            b = rescaleZeroTerminalSnr(b);
        }
        float[] alphas = new float[b.length];
        float[] cum = new float[b.length];
        // torch's CPU cumprod accumulates float32 inputs in double (acc_type) and rounds each output
        double p = 1;
        for (int i = 0; i < b.length; i++) {
            alphas[i] = 1f - b[i];
            p *= alphas[i];
            cum[i] = (float) p;
        }
        return new BetaSchedule(b, alphas, cum);
    }

    /** Lin et al. 2023, Algorithm 1 (diffusers' rescale_zero_terminal_snr), in double then rounded to float32. */
    static float[] rescaleZeroTerminalSnr(float[] betas) {
        int n = betas.length;
        double[] sqrtBar = new double[n];
        double p = 1;
        for (int i = 0; i < n; i++) {
            p *= 1 - betas[i];
            sqrtBar[i] = Math.sqrt(p);
        }
        double first = sqrtBar[0];
        double last = sqrtBar[n - 1];
        double[] bar = new double[n];
        for (int i = 0; i < n; i++) {
            double s = (sqrtBar[i] - last) * (first / (first - last));
            bar[i] = s * s;
        }
        float[] out = new float[n];
        out[0] = (float) (1 - bar[0]);
        for (int i = 1; i < n; i++) {
            out[i] = (float) (1 - bar[i] / bar[i - 1]);
        }
        return out;
    }

    /** Number of training timesteps. */
    public int numTrainTimesteps() {
        return betas.length;
    }
}
