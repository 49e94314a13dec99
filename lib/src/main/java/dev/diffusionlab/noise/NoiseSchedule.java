package dev.diffusionlab.noise;

import java.util.Arrays;
import java.util.List;

/**
 * A training noise schedule exactly as diffusers builds it in its schedulers' constructors
 * ({@code DDPMScheduler.__init__} and friends): betas, alphas = 1 − β, alphasCumprod ᾱ_t = Πα, and the
 * quantities derived from them. Indices are diffusers' timesteps t = 0 … T−1.
 *
 * <p>diffusers computes betas and ᾱ as float32 torch tensors; this class computes in double but rounds
 * betas, alphas and ᾱ to float32 at the same places (torch's cumprod accumulates in double and stores
 * float32), so the tables match diffusers to float32 rounding. Derived tables (square roots, sigmas, SNR)
 * are computed in double from the rounded ᾱ.
 *
 * <pre>{@code
 * NoiseSchedule sd = NoiseSchedule.fromConfig("scaled_linear", 0.00085, 0.012, 1000, false);
 * sd.sigmas()[999];            // 14.6146...
 * NoiseSchedule cos = NoiseSchedule.of("squaredcos_cap_v2");
 * }</pre>
 */
public final class NoiseSchedule {
    /** The beta_schedule names diffusers accepts that this class implements. */
    public static final List<String> NAMES = List.of("linear", "scaled_linear", "squaredcos_cap_v2");

    private final String name;
    private final double[] betas;
    private final double[] alphas;
    private final double[] alphasCumprod;
    private final boolean zeroTerminalSnr;

    private NoiseSchedule(String name, double[] betas, boolean zeroTerminalSnr) {
        this.name = name;
        this.zeroTerminalSnr = zeroTerminalSnr;
        this.betas = betas;
        this.alphas = new double[betas.length];
        for (int i = 0; i < betas.length; i++) {
            alphas[i] = f32(1.0 - betas[i]);
        }
        this.alphasCumprod = cumprodF32(alphas);
    }

    /**
     * A schedule from diffusers' scheduler-config fields ({@code beta_schedule}, {@code beta_start},
     * {@code beta_end}, {@code num_train_timesteps}, {@code rescale_betas_zero_snr}).
     *
     * @throws IllegalArgumentException for an unknown schedule name or bad numbers
     */
    public static NoiseSchedule fromConfig(String betaSchedule, double betaStart, double betaEnd,
                                           int numTrainTimesteps, boolean rescaleBetasZeroSnr) {
        return fromConfig(betaSchedule, betaStart, betaEnd, numTrainTimesteps, rescaleBetasZeroSnr, null);
    }

    /**
     * As {@link #fromConfig(String, double, double, int, boolean)}, with diffusers' optional
     * {@code trained_betas}: when non-null they are used as given (rounded to float32) and the name and
     * beta range are ignored, as in diffusers.
     */
    public static NoiseSchedule fromConfig(String betaSchedule, double betaStart, double betaEnd,
                                           int numTrainTimesteps, boolean rescaleBetasZeroSnr,
                                           double[] trainedBetas) {
        double[] betas;
        String name;
        if (trainedBetas != null) {
            if (trainedBetas.length < 2) {
                throw new IllegalArgumentException("trained_betas needs at least 2 values, got " + trainedBetas.length);
            }
            betas = new double[trainedBetas.length];
            for (int i = 0; i < betas.length; i++) {
                double b = trainedBetas[i];
                if (!(b > 0 && b < 1)) {
                    throw new IllegalArgumentException("trained_betas[" + i + "] = " + b + " is outside (0, 1)");
                }
                betas[i] = f32(b);
            }
            name = "trained_betas";
        } else {
            if (numTrainTimesteps < 2) {
                throw new IllegalArgumentException("num_train_timesteps must be >= 2, got " + numTrainTimesteps);
            }
            if (betaSchedule == null || !NAMES.contains(betaSchedule)) {
                throw new IllegalArgumentException("unknown beta_schedule '" + betaSchedule + "': supported are " + NAMES);
            }
            if (!betaSchedule.equals("squaredcos_cap_v2")
                    && !(betaStart > 0 && betaEnd > betaStart && betaEnd < 1)) {
                throw new IllegalArgumentException("beta_start/beta_end must satisfy 0 < start < end < 1, got "
                        + betaStart + ", " + betaEnd);
            }
            name = betaSchedule;
            betas = switch (betaSchedule) {
                case "linear" -> linspaceF32(betaStart, betaEnd, numTrainTimesteps, false);
                case "scaled_linear" -> linspaceF32(Math.sqrt(betaStart), Math.sqrt(betaEnd), numTrainTimesteps, true);
                default -> cosineBetas(numTrainTimesteps, 0.999);
            };
        }
        if (rescaleBetasZeroSnr) {
            betas = rescaleZeroTerminalSnr(betas);
        }
        return new NoiseSchedule(name, betas, rescaleBetasZeroSnr);
    }

    /**
     * The named schedule with the defaults used across this project: 1000 steps; linear 1e-4 … 0.02 (DDPM),
     * scaled_linear 0.00085 … 0.012 (Stable Diffusion 1.x/2.x), squaredcos_cap_v2 (improved DDPM cosine).
     */
    public static NoiseSchedule of(String name) {
        if ("linear".equals(name)) {
            return fromConfig(name, 1e-4, 0.02, 1000, false);
        }
        return fromConfig(name, 0.00085, 0.012, 1000, false);
    }

    /** The three schedules of {@link #NAMES} with {@link #of(String)}'s defaults. */
    public static List<NoiseSchedule> standard() {
        return NAMES.stream().map(NoiseSchedule::of).toList();
    }

    /*
     * torch.linspace(start, end, n, dtype=float32), optionally squared in float32 (scaled_linear).
     * Bit-exact with torch's CPU kernel (checked against the diffusers fixtures): the first half counts
     * up from start, the second half down from end; the bulk is filled 8 floats at a time (two AVX2
     * vectors per loop turn), each vector from a base fma(step, idx, start) plus j·step, and the last
     * n mod 16 values one by one. The kernel is compiled with FMA contraction, hence Math.fma.
     */
    private static double[] linspaceF32(double start, double end, int n, boolean square) {
        float s = (float) start;
        float e = (float) end;
        float step = (e - s) / (n - 1);
        int half = n / 2;
        int vecEnd = n - n % 16;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            float v;
            if (i < vecEnd) {
                int blk = i - i % 8;
                float base = blk < half ? Math.fma(step, (float) blk, s) : Math.fma(-step, (float) (n - 1 - blk), e);
                v = Math.fma(step, (float) (i - blk), base);
            } else {
                v = i < half ? Math.fma(step, (float) i, s) : Math.fma(-step, (float) (n - 1 - i), e);
            }
            out[i] = square ? v * v : v;
        }
        return out;
    }

    // diffusers' betas_for_alpha_bar(n, max_beta, "cosine"), computed in Python floats, stored float32.
    private static double[] cosineBetas(int n, double maxBeta) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            out[i] = f32(Math.min(1 - cosineAlphaBar(t2) / cosineAlphaBar(t1), maxBeta));
        }
        return out;
    }

    /** ᾱ(t) = cos²((t + 0.008)/1.008 · π/2), the continuous-time cosine schedule (t in [0, 1]). */
    public static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    // diffusers' rescale_zero_terminal_snr (Lin et al. 2023, Algorithm 1), float32 like torch.
    private static double[] rescaleZeroTerminalSnr(double[] betas) {
        int n = betas.length;
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = f32(1 - betas[i]);
        }
        double[] abarSqrt = cumprodF32(a);
        for (int i = 0; i < n; i++) {
            abarSqrt[i] = f32(Math.sqrt(abarSqrt[i]));
        }
        double s0 = abarSqrt[0];
        double sT = abarSqrt[n - 1];
        double scale = f32(s0 / f32(s0 - sT));
        double[] abar = new double[n];
        for (int i = 0; i < n; i++) {
            double v = f32(f32(abarSqrt[i] - sT) * scale);
            abar[i] = f32(v * v);
        }
        double[] out = new double[n];
        out[0] = f32(1 - abar[0]);
        for (int i = 1; i < n; i++) {
            out[i] = f32(1 - f32(abar[i] / abar[i - 1]));
        }
        return out;
    }

    private static double[] cumprodF32(double[] x) {
        double[] out = new double[x.length];
        double acc = 1.0; // torch's CPU cumprod accumulates float32 inputs in double
        for (int i = 0; i < x.length; i++) {
            acc *= x[i];
            out[i] = f32(acc);
        }
        return out;
    }

    private static double f32(double v) {
        return (float) v;
    }

    /** The diffusers name ({@code linear}, {@code scaled_linear}, {@code squaredcos_cap_v2} or {@code trained_betas}). */
    public String name() {
        return name;
    }

    /** True when betas were rescaled to zero terminal SNR (ᾱ_{T−1} = 0). */
    public boolean zeroTerminalSnr() {
        return zeroTerminalSnr;
    }

    /** T, the number of training timesteps. */
    public int numTrainTimesteps() {
        return betas.length;
    }

    /** β_t (float32 values as doubles). */
    public double[] betas() {
        return betas.clone();
    }

    /** α_t = 1 − β_t. */
    public double[] alphas() {
        return alphas.clone();
    }

    /** ᾱ_t = α_0·α_1·…·α_t, the share of signal variance left at t. */
    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** √ᾱ_t, the factor on x_0 in q(x_t | x_0): the remaining signal. */
    public double[] sqrtAlphasCumprod() {
        return map(a -> Math.sqrt(a));
    }

    /** √(1 − ᾱ_t), the factor on the noise in q(x_t | x_0). */
    public double[] sqrtOneMinusAlphasCumprod() {
        return map(a -> Math.sqrt(1 - a));
    }

    /** σ_t = √((1 − ᾱ_t)/ᾱ_t), the noise level of the "variance exploding" view (Euler, Karras); ∞ where ᾱ = 0. */
    public double[] sigmas() {
        return map(a -> Math.sqrt((1 - a) / a));
    }

    /** SNR_t = ᾱ_t / (1 − ᾱ_t) = 1/σ_t². */
    public double[] snr() {
        return map(a -> a / (1 - a));
    }

    /** ln SNR_t; −∞ where ᾱ = 0 (zero terminal SNR). */
    public double[] logSnr() {
        return map(a -> Math.log(a / (1 - a)));
    }

    /** ᾱ_t for one timestep, checking the range. */
    public double alphaCumprod(int t) {
        return alphasCumprod[checkT(t)];
    }

    /**
     * Checks that t is a valid training timestep ({@code 0 ≤ t < T}) and returns it.
     *
     * @throws IllegalArgumentException naming t and the valid range
     */
    public int checkT(int t) {
        if (t < 0 || t >= betas.length) {
            throw new IllegalArgumentException("timestep t = " + t + " is outside [0, " + betas.length
                    + ") of the " + name + " schedule");
        }
        return t;
    }

    private double[] map(java.util.function.DoubleUnaryOperator f) {
        return Arrays.stream(alphasCumprod).map(f).toArray();
    }

    @Override
    public String toString() {
        return "NoiseSchedule[" + name + ", T=" + betas.length + ", beta " + betas[0] + " .. " + betas[betas.length - 1]
                + (zeroTerminalSnr ? ", zero terminal SNR" : "") + "]";
    }
}
