package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * Linear multistep (diffusers {@code LMSDiscreteScheduler}): up to {@code order} (4) past derivatives
 * weighted by integrals of Lagrange polynomials over [sigma_i, sigma_{i+1}]. diffusers integrates with
 * scipy's quad; the integrand is a polynomial of degree ≤ 3, integrated exactly here (Gauss-Legendre).
 */
public class LMSDiscreteScheduler extends SigmaScheduler {
    private final List<NDArray> derivatives = new ArrayList<>();
    private int lmsOrder = 4;

    public LMSDiscreteScheduler(SchedulerConfig config) {
        super(config);
    }

    /** diffusers' step kwarg {@code order} (default 4). */
    public void setLmsOrder(int order) {
        if (order < 1) {
            throw new IllegalArgumentException("LMS order must be >= 1, got " + order);
        }
        this.lmsOrder = order;
    }

    @Override
    protected void computeTimesteps(int n) {
        double[][] st = spacedSigmas(n, Double.NaN, Double.NaN);
        double[] s = st[0];
        double[] ts = st[1];
        setSigmas(s, 0);
        timesteps = ts;
    }

    @Override
    protected void resetState() {
        super.resetState();
        derivatives.clear();
    }

    /** ∫_{sigma_t}^{sigma_{t+1}} Π_{k≠cur} (τ − σ_{t−k}) / (σ_{t−cur} − σ_{t−k}) dτ. */
    double lmsCoefficient(int order, int t, int current) {
        double a = sigmas[t];
        double b = sigmas[t + 1];
        // 4-point Gauss-Legendre: exact for polynomials up to degree 7
        double[] x = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
        double[] w = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
        double sum = 0;
        for (int q = 0; q < 4; q++) {
            double tau = (b - a) / 2 * x[q] + (a + b) / 2;
            double prod = 1;
            for (int k = 0; k < order; k++) {
                if (k != current) {
                    prod *= (tau - sigmas[t - k]) / (sigmas[t - current] - sigmas[t - k]);
                }
            }
            sum += w[q] * prod;
        }
        return sum * (b - a) / 2;
    }

    /**
     * A linear multistep step (Adams–Bashforth in σ, as k-diffusion's sample_lms): x_{i+1} = x_i + Σ_k c_k·d_{i−k}
     * with d = (x − x̂_0)/σ and c_k the integrals of the Lagrange basis over [σ_i, σ_{i+1}]; as diffusers'
     * {@code LMSDiscreteScheduler.step}.
     */
    @Override
    protected StepOutput doStep(NDArray modelOutput, double t, NDArray sample) {
        initStepIndex(t);
        double sigma = sigmas[stepIndex];
        NDArray x0 = Predictions.x0FromSigma(predictionType, modelOutput, sample, sigma);
        derivatives.add(keep(sample.sub(x0).div(sigma)));
        while (derivatives.size() > lmsOrder) {
            retire(derivatives.remove(0));
        }
        int order = Math.min(stepIndex + 1, lmsOrder);
        NDArray prev = sample;
        for (int k = 0; k < order; k++) {
            double c = lmsCoefficient(order, stepIndex, k);
            NDArray d = use(derivatives.get(derivatives.size() - 1 - k)); // reversed(derivatives)
            prev = prev.add(d.mul(c));
        }
        stepIndex++;
        return new StepOutput(prev == sample ? sample.duplicate() : prev, x0);
    }
}
