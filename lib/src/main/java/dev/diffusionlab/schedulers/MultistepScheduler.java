package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * Shared table logic of the exponential-integrator multistep solvers (DPM-Solver++, UniPC): integer
 * timesteps, a sigma table, alpha_t = 1/sqrt(sigma² + 1), sigma_t = sigma·alpha_t, lambda = log(alpha_t/sigma_t).
 * The model input is not scaled and the initial noise sigma is 1.
 */
public abstract class MultistepScheduler extends Scheduler {
    protected final double[] trainSigmas;
    protected final double[] logSigmas;
    protected double[] sigmas = new double[0];
    protected int stepIndex = -1;
    protected int beginIndex = -1;

    protected MultistepScheduler(SchedulerConfig config) {
        super(config);
        float[] ac = schedule.alphasCumprod().clone();
        boolean zeroSnr = config.get("rescale_betas_zero_snr") != null && !config.isNull("rescale_betas_zero_snr")
                && config.getBool("rescale_betas_zero_snr");
        if (zeroSnr) {
            ac[ac.length - 1] = (float) Math.pow(2, -24);
        }
        trainSigmas = new double[ac.length];
        logSigmas = new double[ac.length];
        for (int i = 0; i < ac.length; i++) {
            trainSigmas[i] = (float) Math.sqrt((1f - ac[i]) / ac[i]);
            logSigmas[i] = (float) Math.log(trainSigmas[i]);
        }
    }

    /** Timesteps and sigmas (diffusers' set_timesteps of DPMSolverMultistep / UniPCMultistep). */
    protected void computeTables(int n, int lastTimestep, boolean karrasFinalIsKarrasMin) {
        String spacing = config.getChoice("timestep_spacing", "linspace", "leading", "trailing");
        double[] ts;
        switch (spacing) {
            case "linspace": {
                double[] l = Spacing.rint(Spacing.linspace(0, lastTimestep - 1, n + 1));
                ts = new double[n];
                for (int i = 0; i < n; i++) {
                    ts[i] = l[n - i]; // [::-1][:-1]
                }
                break;
            }
            case "leading": {
                int ratio = lastTimestep / (n + 1);
                ts = new double[n];
                for (int i = 0; i < n; i++) {
                    ts[i] = (double) (n - i) * ratio + config.getInt("steps_offset");
                }
                break;
            }
            default: {
                ts = Spacing.rint(Spacing.arange(lastTimestep, 0, -(double) numTrainTimesteps / n));
                for (int i = 0; i < ts.length; i++) {
                    ts[i] -= 1;
                }
            }
        }
        boolean karras = flag("use_karras_sigmas");
        boolean lu = flag("use_lu_lambdas");
        double[] s;
        if (karras) {
            double[] k = SigmaScheduler.karras(null, n, trainSigmas[0], trainSigmas[trainSigmas.length - 1]);
            ts = new double[k.length];
            for (int i = 0; i < k.length; i++) {
                ts[i] = Math.rint(SigmaScheduler.sigmaToT(k[i], logSigmas));
            }
            s = k;
        } else if (lu) {
            double[] lam = Spacing.linspace(logSigmas[logSigmas.length - 1], logSigmas[0], n);
            s = new double[n];
            ts = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = Math.exp(lam[i]);
                ts[i] = Math.rint(SigmaScheduler.sigmaToT(s[i], logSigmas));
            }
        } else {
            s = new double[ts.length];
            for (int i = 0; i < ts.length; i++) {
                s[i] = Spacing.interp(ts[i], trainSigmas);
            }
        }
        String fin = config.getChoice("final_sigmas_type", "zero", "sigma_min");
        double last = fin.equals("zero") ? 0 : (karras && karrasFinalIsKarrasMin ? s[s.length - 1] : trainSigmas[0]);
        double[] out = new double[s.length + 1];
        System.arraycopy(s, 0, out, 0, s.length);
        out[s.length] = last;
        sigmas = Spacing.toF32(out);
        timesteps = ts;
    }

    protected boolean flag(String key) {
        return config.get(key) != null && !config.isNull(key) && config.getBool(key);
    }

    @Override
    public double[] sigmas() {
        return sigmas.clone();
    }

    /** alpha_t = 1/sqrt(sigma²+1). */
    static double alphaOf(double sigma) {
        return 1 / Math.sqrt(sigma * sigma + 1);
    }

    /** lambda = log(alpha_t) − log(sigma_t); +inf at sigma = 0. */
    static double lambdaOf(double sigma) {
        double a = alphaOf(sigma);
        return Math.log(a) - Math.log(sigma * a);
    }

    /** diffusers: the second match when t repeats, the last index when t is not in the schedule. */
    protected int indexForTimestep(double t) {
        int count = 0;
        int first = -1;
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
        return count == 0 ? timesteps.length - 1 : count > 1 ? second : first;
    }

    protected void initStepIndex(double t) {
        if (stepIndex < 0) {
            stepIndex = beginIndex >= 0 ? beginIndex : indexForTimestep(t);
        }
    }

    /** Starts the step counter at {@code index} (img2img). */
    public void setBeginIndex(int index) {
        this.beginIndex = index;
    }

    @Override
    protected void resetState() {
        stepIndex = -1;
        beginIndex = -1;
    }

    /** x0 (or epsilon when {@code toX0} is false) from the model output at the current sigma. */
    protected NDArray convert(NDArray modelOutput, NDArray sample, boolean toX0) {
        double sigma = sigmas[stepIndex];
        double a = alphaOf(sigma);
        double s = sigma * a;
        if (toX0) {
            return switch (predictionType) {
                case "epsilon" -> sample.sub(modelOutput.mul(s)).div(a);
                case "sample" -> modelOutput.duplicate();
                default -> sample.mul(a).sub(modelOutput.mul(s));
            };
        }
        return switch (predictionType) {
            case "epsilon" -> modelOutput.duplicate();
            case "sample" -> sample.sub(modelOutput.mul(a)).div(s);
            default -> modelOutput.mul(a).add(sample.mul(s));
        };
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noiseArr, double t) {
        requireTimesteps();
        int idx = beginIndex < 0 ? indexForTimestep(t) : (stepIndex >= 0 ? stepIndex : beginIndex);
        double a = alphaOf(sigmas[idx]);
        return original.mul(a).add(noiseArr.mul(sigmas[idx] * a));
    }
}
