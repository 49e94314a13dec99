package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * Song et al.'s DDIM (diffusers {@code DDIMScheduler}): deterministic for eta = 0, one noise draw per step
 * for eta &gt; 0 (eta = 1 is DDPM-like). {@link #setEta} plays the role of diffusers' {@code step(eta=...)}.
 */
public class DDIMScheduler extends Scheduler {
    private final boolean clipSample;
    private final double clipSampleRange;
    private final double finalAlphaCumprod;
    private double eta;

    public DDIMScheduler(SchedulerConfig config) {
        super(config);
        this.clipSample = config.getBool("clip_sample");
        this.clipSampleRange = config.getDouble("clip_sample_range");
        this.finalAlphaCumprod = config.getBool("set_alpha_to_one") ? 1.0 : schedule.alphasCumprod()[0];
    }

    /** The stochasticity eta (0 = deterministic DDIM, 1 = DDPM variance) used by later steps. */
    public void setEta(double eta) {
        if (!(eta >= 0)) {
            throw new IllegalArgumentException("DDIM eta must be >= 0, got " + eta);
        }
        this.eta = eta;
    }

    public double eta() {
        return eta;
    }

    @Override
    protected void computeTimesteps(int n) {
        String spacing = config.getChoice("timestep_spacing", "linspace", "leading", "trailing");
        double[] ts = Spacing.spacing(spacing, n, numTrainTimesteps, config.getInt("steps_offset"));
        timesteps = spacing.equals("linspace") ? Spacing.rint(ts) : ts;
    }

    /** One step with an explicit eta (the scheduler's own eta is left unchanged). */
    public StepOutput step(NDArray modelOutput, double t, NDArray sample, double eta) {
        double old = this.eta;
        setEta(eta);
        try {
            return step(modelOutput, t, sample);
        } finally {
            this.eta = old;
        }
    }

    @Override
    protected StepOutput doStep(NDArray modelOutput, double tD, NDArray sample) {
        int t = discreteT(tD);
        int prevT = t - numTrainTimesteps / numInferenceSteps;
        double aT = alphaProd(t);
        double aPrev = prevT >= 0 ? alphaProd(prevT) : finalAlphaCumprod;
        double bT = 1 - aT;
        NDArray x0 = Predictions.x0FromAlpha(predictionType, modelOutput, sample, aT);
        NDArray eps = switch (predictionType) {
            case "epsilon" -> modelOutput;
            case "sample" -> sample.sub(x0.mul(Math.sqrt(aT))).div(Math.sqrt(bT));
            default -> modelOutput.mul(Math.sqrt(aT)).add(sample.mul(Math.sqrt(bT)));
        };
        if (clipSample) {
            x0 = x0.clip(-clipSampleRange, clipSampleRange);
        }
        double variance = ((1 - aPrev) / bT) * (1 - aT / aPrev);
        double std = eta * Math.sqrt(variance);
        NDArray prev = x0.mul(Math.sqrt(aPrev)).add(eps.mul(Math.sqrt(1 - aPrev - std * std)));
        if (eta > 0) {
            prev = prev.add(randnLike(modelOutput).mul(std));
        }
        return new StepOutput(prev, x0);
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noiseArr, double t) {
        return addNoiseAlpha(original, noiseArr, discreteT(t));
    }
}
