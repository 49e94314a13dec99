package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * The Karras-style (sigma) schedulers: Euler, Euler ancestral, LMS, Heun. x_t = x0 + sigma·eps with
 * sigma = sqrt((1 − abar)/abar); the model input is scaled by 1/sqrt(sigma² + 1). Sigma tables follow
 * diffusers: float32 training sigmas, np.interp in double at the (float32) timesteps, stored as float32.
 */
public abstract class SigmaScheduler extends SigmaTableScheduler {
    protected final String spacing;

    protected SigmaScheduler(SchedulerConfig config) {
        super(config);
        spacing = config.getChoice("timestep_spacing", "linspace", "leading", "trailing");
    }

    /** The float32 timesteps of the spacing (before any Karras conversion). */
    protected double[] spacedTimesteps(int n) {
        return Spacing.toF32(Spacing.spacing(spacing, n, numTrainTimesteps, config.getInt("steps_offset")));
    }

    protected double[] interpSigmas(double[] ts) {
        double[] s = new double[ts.length];
        for (int i = 0; i < ts.length; i++) {
            s[i] = Spacing.interp(ts[i], trainSigmas);
        }
        return s;
    }

    /** Karras et al. (2022) rho = 7 spacing between sigmaMax and sigmaMin (defaults: ends of inSigmas). */
    static double[] karras(double[] inSigmas, int n, double sigmaMin, double sigmaMax) {
        double rho = 7.0;
        double minInv = Math.pow(sigmaMin, 1 / rho);
        double maxInv = Math.pow(sigmaMax, 1 / rho);
        double[] ramp = Spacing.linspace(0, 1, n);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.pow(maxInv + ramp[i] * (minInv - maxInv), rho);
        }
        return out;
    }

    /** diffusers' _sigma_to_t: the fractional training timestep whose sigma is {@code sigma} (log-linear interpolation). */
    static double sigmaToT(double sigma, double[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                low = i;
            }
        }
        low = Math.min(low, logSigmas.length - 2);
        double lo = logSigmas[low];
        double hi = logSigmas[low + 1];
        double w = (lo - logSigma) / (lo - hi);
        w = Math.min(1, Math.max(0, w));
        return (1 - w) * low + w * (low + 1);
    }

    @Override
    public double initNoiseSigma() {
        requireTimesteps();
        double max = 0;
        for (double s : sigmas) {
            max = Math.max(max, s);
        }
        return spacing.equals("leading") ? Math.sqrt(max * max + 1) : max;
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, double t) {
        requireTimesteps();
        initStepIndex(t);
        double sigma = sigmas[stepIndex];
        return sample.div(Math.sqrt(sigma * sigma + 1));
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noiseArr, double t) {
        requireTimesteps();
        int idx = addNoiseIndex(t);
        return original.add(noiseArr.mul(sigmas[idx]));
    }

    /** Appends the final sigma (0) and stores the table as float32 values. */
    protected void setSigmas(double[] s, double last) {
        double[] out = new double[s.length + 1];
        System.arraycopy(s, 0, out, 0, s.length);
        out[s.length] = last;
        sigmas = Spacing.toF32(out);
    }

    protected boolean useKarras() {
        return flag("use_karras_sigmas");
    }

    /**
     * The spaced timesteps and their interpolated sigmas for {@code n} steps, converted to Karras sigmas
     * (and their fractional float32 timesteps) when the config sets {@code use_karras_sigmas}.
     *
     * @param sigmaMin the Karras range's low end, NaN for the smallest interpolated sigma
     * @param sigmaMax the Karras range's high end, NaN for the largest
     * @return {sigmas, timesteps}
     */
    protected double[][] spacedSigmas(int n, double sigmaMin, double sigmaMax) {
        double[] ts = spacedTimesteps(n);
        double[] s = interpSigmas(ts);
        if (useKarras()) {
            double[][] k = karrasFrom(s, n, sigmaMin, sigmaMax);
            s = k[0];
            ts = Spacing.toF32(k[1]);
        }
        return new double[][] {s, ts};
    }

    /** Karras sigmas and their fractional timesteps, from the interpolated sigmas {@code s}. */
    protected double[][] karrasFrom(double[] s, int n, double sigmaMin, double sigmaMax) {
        double[] k = karras(s, n, Double.isNaN(sigmaMin) ? s[s.length - 1] : sigmaMin, Double.isNaN(sigmaMax) ? s[0] : sigmaMax);
        double[] ts = new double[k.length];
        for (int i = 0; i < k.length; i++) {
            ts[i] = sigmaToT(k[i], logSigmas);
        }
        return new double[][] {k, ts};
    }
}
