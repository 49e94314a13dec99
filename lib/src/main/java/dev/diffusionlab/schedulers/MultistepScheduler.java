package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * Shared table logic of the exponential-integrator multistep solvers (DPM-Solver++, UniPC): integer
 * timesteps, a sigma table, alpha_t = 1/sqrt(sigma² + 1), sigma_t = sigma·alpha_t, lambda = log(alpha_t/sigma_t).
 * The model input is not scaled and the initial noise sigma is 1.
 */
public abstract class MultistepScheduler extends SigmaTableScheduler {
    protected MultistepScheduler(SchedulerConfig config) {
        super(config);
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

    /** alpha_t = 1/sqrt(sigma²+1). */
    static double alphaOf(double sigma) {
        return 1 / Math.sqrt(sigma * sigma + 1);
    }

    /** lambda = log(alpha_t) − log(sigma_t); +inf at sigma = 0. */
    static double lambdaOf(double sigma) {
        double a = alphaOf(sigma);
        return Math.log(a) - Math.log(sigma * a);
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
        int idx = addNoiseIndex(t);
        double a = alphaOf(sigmas[idx]);
        return original.mul(a).add(noiseArr.mul(sigmas[idx] * a));
    }
}
