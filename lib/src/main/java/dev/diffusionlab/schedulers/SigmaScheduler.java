package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * The Karras-style (sigma) schedulers: Euler, Euler ancestral, LMS, Heun. x_t = x0 + sigma·eps with
 * sigma = sqrt((1 − abar)/abar); the model input is scaled by 1/sqrt(sigma² + 1). Sigma tables follow
 * diffusers: float32 training sigmas, np.interp in double at the (float32) timesteps, stored as float32.
 */
public abstract class SigmaScheduler extends Scheduler {
    /** Training sigmas (float32 values), ascending with t. */
    protected final double[] trainSigmas;
    /** log of the training sigmas (float32 values). */
    protected final double[] logSigmas;
    protected double[] sigmas = new double[0];
    protected int stepIndex = -1;
    protected int beginIndex = -1;
    protected final String spacing;

    protected SigmaScheduler(SchedulerConfig config) {
        super(config);
        float[] ac = schedule.alphasCumprod().clone();
        boolean zeroSnr = config.get("rescale_betas_zero_snr") != null && !config.isNull("rescale_betas_zero_snr")
                && config.getBool("rescale_betas_zero_snr");
        if (zeroSnr) {
            ac[ac.length - 1] = (float) Math.pow(2, -24); // diffusers keeps the last sigma finite
        }
        trainSigmas = new double[ac.length];
        logSigmas = new double[ac.length];
        for (int i = 0; i < ac.length; i++) {
            float r = (1f - ac[i]) / ac[i];
            trainSigmas[i] = (float) Math.sqrt(r);
            logSigmas[i] = (float) Math.log(trainSigmas[i]);
        }
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
    public double[] sigmas() {
        return sigmas.clone();
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

    /** diffusers' index_for_timestep: the second match when t repeats (img2img starting mid-schedule). */
    protected int indexForTimestep(double t) {
        int first = -1;
        int count = 0;
        int second = -1;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                if (count == 0) {
                    first = i;
                } else if (count == 1) {
                    second = i;
                }
                count++;
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException(name() + ": timestep " + t + " is not one of this schedule's timesteps");
        }
        return count > 1 ? second : first;
    }

    /** Starts the step counter at {@code index} (pipelines that skip the first steps, e.g. img2img). */
    public void setBeginIndex(int index) {
        this.beginIndex = index;
    }

    protected void initStepIndex(double t) {
        if (stepIndex < 0) {
            stepIndex = beginIndex >= 0 ? beginIndex : indexForTimestep(t);
        }
    }

    /** The index of the next step (-1 before the first). */
    public int stepIndex() {
        return stepIndex;
    }

    @Override
    protected void resetState() {
        stepIndex = -1;
        beginIndex = -1;
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
        int idx = beginIndex < 0 ? indexForTimestep(t) : (stepIndex >= 0 ? stepIndex : beginIndex);
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
        return config.get("use_karras_sigmas") != null && !config.isNull("use_karras_sigmas") && config.getBool("use_karras_sigmas");
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
