package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * Euler's method on the probability-flow ODE (Karras et al. Algorithm 2; diffusers
 * {@code EulerDiscreteScheduler}). Like diffusers it draws noise every step but only uses it when
 * {@code s_churn > 0} (default 0), so replayed noise stays in step with diffusers.
 */
public class EulerDiscreteScheduler extends SigmaScheduler {
    private double sChurn = 0;
    private double sTmin = 0;
    private double sTmax = Double.POSITIVE_INFINITY;
    private double sNoise = 1;

    public EulerDiscreteScheduler(SchedulerConfig config) {
        super(config);
        config.getChoice("interpolation_type", "linear");
        config.getChoice("timestep_type", "discrete");
        config.getChoice("final_sigmas_type", "zero", "sigma_min");
    }

    /** diffusers' step kwargs s_churn, s_tmin, s_tmax, s_noise (stochastic "churn"). */
    public void setChurn(double sChurn, double sTmin, double sTmax, double sNoise) {
        this.sChurn = sChurn;
        this.sTmin = sTmin;
        this.sTmax = sTmax;
        this.sNoise = sNoise;
    }

    @Override
    protected void computeTimesteps(int n) {
        double sMin = config.isNull("sigma_min") ? Double.NaN : config.getDouble("sigma_min");
        double sMax = config.isNull("sigma_max") ? Double.NaN : config.getDouble("sigma_max");
        double[][] st = spacedSigmas(n, sMin, sMax);
        double[] s = st[0];
        double[] ts = st[1];
        double last = config.getString("final_sigmas_type").equals("sigma_min") ? trainSigmas[0] : 0;
        setSigmas(s, last);
        timesteps = ts;
    }

    /**
     * One Euler step of the probability-flow ODE dx/dσ = (x − x̂_0)/σ (Karras et al. 2022, Algorithm 2
     * without the Heun correction; optional "churn" σ̂ = σ·(1+γ) of lines 4–6); as diffusers'
     * {@code EulerDiscreteScheduler.step}.
     */
    @Override
    protected StepOutput doStep(NDArray modelOutput, double t, NDArray sample) {
        initStepIndex(t);
        double sigma = sigmas[stepIndex];
        double gamma = (sTmin <= sigma && sigma <= sTmax) ? Math.min(sChurn / (sigmas.length - 1), Math.sqrt(2) - 1) : 0.0;
        NDArray eps = randnLike(modelOutput).mul(sNoise);
        double sigmaHat = sigma * (gamma + 1);
        NDArray x = sample;
        if (gamma > 0) {
            x = x.add(eps.mul(Math.sqrt(sigmaHat * sigmaHat - sigma * sigma)));
        }
        NDArray x0 = predictionType.equals("epsilon") ? x.sub(modelOutput.mul(sigmaHat))
                : Predictions.x0FromSigma(predictionType, modelOutput, x, sigma);
        NDArray derivative = x.sub(x0).div(sigmaHat);
        double dt = sigmas[stepIndex + 1] - sigmaHat;
        NDArray prev = x.add(derivative.mul(dt));
        stepIndex++;
        return new StepOutput(prev, x0);
    }
}
