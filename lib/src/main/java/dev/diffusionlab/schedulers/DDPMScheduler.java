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

    @Override
    protected StepOutput doStep(NDArray modelOutput, double tD, NDArray sample) {
        int t = discreteT(tD);
        int prevT = previousTimestep(t);
        double aT = alphaProd(t);
        double aPrev = prevT >= 0 ? alphaProd(prevT) : 1.0;
        double bT = 1 - aT;
        double bPrev = 1 - aPrev;
        double curAlpha = aT / aPrev;
        double curBeta = 1 - curAlpha;
        NDArray x0 = Predictions.x0FromAlpha(predictionType, modelOutput, sample, aT);
        if (clipSample) {
            x0 = x0.clip(-clipSampleRange, clipSampleRange);
        }
        double x0Coeff = Math.sqrt(aPrev) * curBeta / bT;
        double xCoeff = Math.sqrt(curAlpha) * bPrev / bT;
        NDArray prev = x0.mul(x0Coeff).add(sample.mul(xCoeff));
        if (t > 0) {
            double variance = Math.max(bPrev / bT * curBeta, 1e-20);
            double std = switch (varianceType) {
                case "fixed_small" -> Math.sqrt(variance);
                case "fixed_small_log" -> Math.exp(0.5 * Math.log(variance));
                case "fixed_large" -> Math.sqrt(curBeta);
                default -> Math.sqrt(Math.log(curBeta)); // fixed_large_log: diffusers takes (log beta)**0.5 (NaN), kept as is
            };
            prev = prev.add(randnLike(modelOutput).mul(std));
        }
        return new StepOutput(prev, x0);
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noiseArr, double t) {
        return addNoiseAlpha(original, noiseArr, discreteT(t));
    }
}
