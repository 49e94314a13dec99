package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * Heun's second-order method (Karras et al. Algorithm 1; diffusers {@code HeunDiscreteScheduler}): every
 * step but the last takes two model calls, so the timesteps repeat (2n − 1 loop iterations).
 */
public class HeunDiscreteScheduler extends SigmaScheduler {
    private final boolean clipSample;
    private final double clipSampleRange;
    private NDArray prevDerivative;
    private NDArray firstSample;
    private double dt = Double.NaN;

    public HeunDiscreteScheduler(SchedulerConfig config) {
        super(config);
        this.clipSample = config.getBool("clip_sample");
        this.clipSampleRange = config.getDouble("clip_sample_range");
    }

    @Override
    public int order() {
        return 2;
    }

    @Override
    protected void computeTimesteps(int n) {
        double[][] st = spacedSigmas(n, Double.NaN, Double.NaN);
        double[] s = st[0];
        double[] ts = st[1];
        // sigmas = [s0, s1, s1, ..., s_{n-1}, s_{n-1}, 0]; timesteps = [t0, t1, t1, ..., t_{n-1}, t_{n-1}]
        double[] sig = new double[2 * n];
        double[] tt = new double[2 * n - 1];
        sig[0] = s[0];
        tt[0] = ts[0];
        for (int i = 1; i < n; i++) {
            sig[2 * i - 1] = s[i];
            sig[2 * i] = s[i];
            tt[2 * i - 1] = ts[i];
            tt[2 * i] = ts[i];
        }
        sig[2 * n - 1] = 0;
        sigmas = Spacing.toF32(sig);
        timesteps = tt;
    }

    @Override
    protected void resetState() {
        super.resetState();
        prevDerivative = null;
        firstSample = null;
        dt = Double.NaN;
    }

    /** True when the next step is the first (Euler) half of a Heun step. */
    public boolean stateInFirstOrder() {
        return Double.isNaN(dt);
    }

    /**
     * Heun's 2nd-order method on the probability-flow ODE (Karras et al. 2022, Algorithm 1/2, lines 7–8):
     * an Euler step, then the average of the two slopes; two model calls per step (order 2), as diffusers'
     * {@code HeunDiscreteScheduler.step}.
     */
    @Override
    protected StepOutput doStep(NDArray modelOutput, double t, NDArray sample) {
        initStepIndex(t);
        boolean first = stateInFirstOrder();
        double sigma = first ? sigmas[stepIndex] : sigmas[stepIndex - 1];
        double sigmaNext = first ? sigmas[stepIndex + 1] : sigmas[stepIndex];
        double sigmaInput = first ? sigma : sigmaNext;
        NDArray x0 = Predictions.x0FromSigma(predictionType, modelOutput, sample, sigmaInput);
        if (clipSample) {
            x0 = x0.clip(-clipSampleRange, clipSampleRange);
        }
        NDArray prev;
        if (first) {
            NDArray derivative = sample.sub(x0).div(sigma);
            dt = sigmaNext - sigma;
            prevDerivative = keep(derivative.duplicate());
            firstSample = keepCopy(sample);
            prev = sample.add(derivative.mul(dt));
        } else {
            NDArray derivative = sample.sub(x0).div(sigmaNext);
            derivative = use(prevDerivative).add(derivative).div(2);
            prev = use(firstSample).add(derivative.mul(dt));
            retire(prevDerivative);
            retire(firstSample);
            prevDerivative = null;
            firstSample = null;
            dt = Double.NaN;
        }
        stepIndex++;
        return new StepOutput(prev, null);
    }
}
