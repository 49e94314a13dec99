package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * Euler ancestral sampling (diffusers {@code EulerAncestralDiscreteScheduler}): an Euler step down to
 * sigma_down, then fresh noise of size sigma_up; one draw per step.
 */
public class EulerAncestralDiscreteScheduler extends SigmaScheduler {
    public EulerAncestralDiscreteScheduler(SchedulerConfig config) {
        super(config);
    }

    @Override
    protected void computeTimesteps(int n) {
        double[] ts = spacedTimesteps(n);
        setSigmas(interpSigmas(ts), 0);
        timesteps = ts;
    }

    /**
     * One Euler step down to σ_down, then fresh noise of size σ_up, with σ_up = √(σ_{i+1}²·(σ_i²−σ_{i+1}²)/σ_i²)
     * and σ_down = √(σ_{i+1}² − σ_up²) (the ancestral split of k-diffusion's sample_euler_ancestral, η = 1);
     * as diffusers' {@code EulerAncestralDiscreteScheduler.step}.
     */
    @Override
    protected StepOutput doStep(NDArray modelOutput, double t, NDArray sample) {
        initStepIndex(t);
        double sigma = sigmas[stepIndex];
        NDArray x0 = Predictions.x0FromSigma(predictionType, modelOutput, sample, sigma);
        double sigmaTo = sigmas[stepIndex + 1];
        double sigmaUp = Math.sqrt(sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo) / (sigma * sigma));
        double sigmaDown = Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        NDArray derivative = sample.sub(x0).div(sigma);
        NDArray prev = sample.add(derivative.mul(sigmaDown - sigma));
        prev = prev.add(randnLike(modelOutput).mul(sigmaUp));
        stepIndex++;
        return new StepOutput(prev, x0);
    }
}
