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

    /**
     * One DDIM step (Song et al. 2021, Eq. 12): x_{t−1} = √ᾱ_{t−1}·x̂_0 + √(1−ᾱ_{t−1}−σ_t²)·ε̂ + σ_t·z,
     * with σ_t = η·√((1−ᾱ_{t−1})/(1−ᾱ_t))·√(1−ᾱ_t/ᾱ_{t−1}) (Eq. 16); η = 0 is deterministic. Names as
     * diffusers' {@code DDIMScheduler.step}.
     */
    @Override
    protected StepOutput doStep(NDArray modelOutput, double tD, NDArray sample) {
        int t = discreteT(tD);
        int prevT = t - numTrainTimesteps / numInferenceSteps;
        double alphaProdT = alphaProd(t);
        double alphaProdTPrev = prevT >= 0 ? alphaProd(prevT) : finalAlphaCumprod;
        double betaProdT = 1 - alphaProdT;
        NDArray predOriginalSample = Predictions.x0FromAlpha(predictionType, modelOutput, sample, alphaProdT);
        NDArray predEpsilon = switch (predictionType) {
            case "epsilon" -> modelOutput;
            case "sample" -> sample.sub(predOriginalSample.mul(Math.sqrt(alphaProdT))).div(Math.sqrt(betaProdT));
            default -> modelOutput.mul(Math.sqrt(alphaProdT)).add(sample.mul(Math.sqrt(betaProdT)));
        };
        if (clipSample) {
            predOriginalSample = predOriginalSample.clip(-clipSampleRange, clipSampleRange);
        }
        // Eq. 16: σ_t² for η = 1
        double variance = ((1 - alphaProdTPrev) / betaProdT) * (1 - alphaProdT / alphaProdTPrev);
        double stdDevT = eta * Math.sqrt(variance);
        // Eq. 12: "predicted x_0" + "direction pointing to x_t" (+ σ_t·z below)
        NDArray prevSample = predOriginalSample.mul(Math.sqrt(alphaProdTPrev)).add(predEpsilon.mul(Math.sqrt(1 - alphaProdTPrev - stdDevT * stdDevT)));
        if (eta > 0) {
            prevSample = prevSample.add(randnLike(modelOutput).mul(stdDevT));
        }
        return new StepOutput(prevSample, predOriginalSample);
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noiseArr, double t) {
        return addNoiseAlpha(original, noiseArr, discreteT(t));
    }
}
