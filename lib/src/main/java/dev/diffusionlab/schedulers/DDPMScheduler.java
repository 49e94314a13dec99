package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * Ho et al.'s ancestral sampler (diffusers {@code DDPMScheduler}); one noise draw per step with t &gt; 0.
 * variance_type fixed_small / fixed_small_log / fixed_large / fixed_large_log.
 */
public class DDPMScheduler extends Scheduler {
    private final String varianceType;
    private final boolean clipSample;
    private final double clipSampleRange;

    public DDPMScheduler(SchedulerConfig config) {
        super(config);
        this.varianceType = config.getChoice("variance_type", "fixed_small", "fixed_small_log", "fixed_large", "fixed_large_log");
        this.clipSample = config.getBool("clip_sample");
        this.clipSampleRange = config.getDouble("clip_sample_range");
    }

    @Override
    protected void computeTimesteps(int n) {
        String spacing = config.getChoice("timestep_spacing", "linspace", "leading", "trailing");
        double[] ts = Spacing.spacing(spacing, n, numTrainTimesteps, config.getInt("steps_offset"));
        timesteps = spacing.equals("linspace") ? Spacing.rint(ts) : ts;
    }

    int previousTimestep(int t) {
        return t - numTrainTimesteps / numInferenceSteps;
    }

    /**
     * One ancestral step of DDPM (Ho et al. 2020): the posterior q(x_{t−1} | x_t, x_0) of Eq. 6–7, with
     * mean μ̃ = √ᾱ_{t−1}·β_t/(1−ᾱ_t)·x_0 + √α_t·(1−ᾱ_{t−1})/(1−ᾱ_t)·x_t and variance
     * β̃_t = (1−ᾱ_{t−1})/(1−ᾱ_t)·β_t, x_0 predicted from the model output (Eq. 15); names as diffusers'
     * {@code DDPMScheduler.step}.
     */
    @Override
    protected StepOutput doStep(NDArray modelOutput, double tD, NDArray sample) {
        int t = discreteT(tD);
        int prevT = previousTimestep(t);
        double alphaProdT = alphaProd(t);
        double alphaProdTPrev = prevT >= 0 ? alphaProd(prevT) : 1.0;
        double betaProdT = 1 - alphaProdT;
        double betaProdTPrev = 1 - alphaProdTPrev;
        double currentAlphaT = alphaProdT / alphaProdTPrev;
        double currentBetaT = 1 - currentAlphaT;
        NDArray predOriginalSample = Predictions.x0FromAlpha(predictionType, modelOutput, sample, alphaProdT);
        if (clipSample) {
            predOriginalSample = predOriginalSample.clip(-clipSampleRange, clipSampleRange);
        }
        // Eq. 7: the posterior mean μ̃_t(x_t, x_0)
        double predOriginalSampleCoeff = Math.sqrt(alphaProdTPrev) * currentBetaT / betaProdT;
        double currentSampleCoeff = Math.sqrt(currentAlphaT) * betaProdTPrev / betaProdT;
        NDArray predPrevSample = predOriginalSample.mul(predOriginalSampleCoeff).add(sample.mul(currentSampleCoeff));
        if (t > 0) {
            // Eq. 7: β̃_t, clamped as diffusers does
            double variance = Math.max(betaProdTPrev / betaProdT * currentBetaT, 1e-20);
            double std = switch (varianceType) {
                case "fixed_small" -> Math.sqrt(variance);
                case "fixed_small_log" -> Math.exp(0.5 * Math.log(variance));
                case "fixed_large" -> Math.sqrt(currentBetaT);
                default -> Math.sqrt(Math.log(currentBetaT)); // fixed_large_log: diffusers takes (log beta)**0.5 (NaN), kept as is
            };
            predPrevSample = predPrevSample.add(randnLike(modelOutput).mul(std));
        }
        return new StepOutput(predPrevSample, predOriginalSample);
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noiseArr, double t) {
        return addNoiseAlpha(original, noiseArr, discreteT(t));
    }
}
