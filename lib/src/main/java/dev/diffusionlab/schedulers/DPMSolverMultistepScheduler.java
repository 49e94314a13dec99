package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * DPM-Solver / DPM-Solver++ multistep (diffusers {@code DPMSolverMultistepScheduler}), orders 1 and 2,
 * solver_type midpoint or heun; with {@code use_karras_sigmas} this is "DPM++ 2M Karras".
 * Deterministic (the SDE variants are not implemented).
 */
public class DPMSolverMultistepScheduler extends MultistepScheduler {
    private final int solverOrder;
    private final String algorithm;
    private final String solverType;
    private final NDArray[] modelOutputs;
    private int lowerOrderNums;

    public DPMSolverMultistepScheduler(SchedulerConfig config) {
        super(config);
        solverOrder = config.getInt("solver_order");
        if (solverOrder < 1 || solverOrder > 2) {
            throw new IllegalArgumentException("DPMSolverMultistepScheduler: solver_order " + solverOrder + " is not supported (1 or 2)");
        }
        String alg = config.getString("algorithm_type");
        algorithm = alg.equals("deis") ? "dpmsolver++" : alg; // diffusers maps deis to dpmsolver++ too
        if (!algorithm.equals("dpmsolver++") && !algorithm.equals("dpmsolver")) {
            throw new IllegalArgumentException("DPMSolverMultistepScheduler: algorithm_type '" + alg
                    + "' is not supported (dpmsolver++, dpmsolver)");
        }
        String st = config.getString("solver_type");
        solverType = (st.equals("logrho") || st.equals("bh1") || st.equals("bh2")) ? "midpoint" : st;
        if (!solverType.equals("midpoint") && !solverType.equals("heun")) {
            throw new IllegalArgumentException("DPMSolverMultistepScheduler: solver_type '" + st + "' is not supported (midpoint, heun)");
        }
        if (algorithm.equals("dpmsolver") && config.getString("final_sigmas_type").equals("zero")) {
            throw new IllegalArgumentException("DPMSolverMultistepScheduler: final_sigmas_type 'zero' needs algorithm_type dpmsolver++ (as in diffusers)");
        }
        if (!config.isNull("variance_type")) {
            throw new IllegalArgumentException("DPMSolverMultistepScheduler: variance_type '" + config.getString("variance_type") + "' is not supported");
        }
        modelOutputs = new NDArray[solverOrder];
    }

    @Override
    protected void computeTimesteps(int n) {
        // lambda_min_clipped: skip the last training timesteps whose lambda is below the clip (-inf keeps all)
        double clip = config.getDouble("lambda_min_clipped");
        int clipped = 0;
        for (int i = schedule.alphasCumprod().length - 1; i >= 0; i--) { // flip(lambda_t), ascending
            float ac = schedule.alphasCumprod()[i];
            double lam = (float) Math.log((float) Math.sqrt(ac)) - (float) Math.log((float) Math.sqrt(1f - ac));
            if (lam < clip) {
                clipped++;
            } else {
                break;
            }
        }
        computeTables(n, numTrainTimesteps - clipped, false);
    }

    @Override
    protected void resetState() {
        super.resetState();
        java.util.Arrays.fill(modelOutputs, null);
        lowerOrderNums = 0;
    }

    /**
     * DPM-Solver++ (Lu et al. 2022, "DPM-Solver++", Algorithm 2, 2M variant): the data-prediction
     * first-order update x_t = (σ_t/σ_s)·x_s − α_t·(e^{−h} − 1)·x̂_0 with h = λ_t − λ_s, and the
     * second-order multistep correction from the previous x̂_0; as diffusers' {@code DPMSolverMultistepScheduler.step}.
     */
    @Override
    protected StepOutput doStep(NDArray modelOutput, double t, NDArray sample) {
        initStepIndex(t);
        int len = timesteps.length;
        boolean lowerOrderFinal = stepIndex == len - 1 && (flag("euler_at_final")
                || (flag("lower_order_final") && len < 15) || config.getString("final_sigmas_type").equals("zero"));
        boolean lowerOrderSecond = stepIndex == len - 2 && flag("lower_order_final") && len < 15;
        NDArray m = convert(modelOutput, sample, algorithm.equals("dpmsolver++"));
        retire(modelOutputs[0]);
        System.arraycopy(modelOutputs, 1, modelOutputs, 0, solverOrder - 1);
        modelOutputs[solverOrder - 1] = keep(m.duplicate());
        NDArray prev;
        if (solverOrder == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
            prev = firstOrder(m, sample);
        } else {
            prev = secondOrder(use(modelOutputs[solverOrder - 1]), use(modelOutputs[solverOrder - 2]), sample);
        }
        if (lowerOrderNums < solverOrder) {
            lowerOrderNums++;
        }
        stepIndex++;
        return new StepOutput(prev, null);
    }

    private NDArray firstOrder(NDArray m, NDArray sample) {
        double sT = sigmas[stepIndex + 1];
        double sS = sigmas[stepIndex];
        double aT = alphaOf(sT);
        double aS = alphaOf(sS);
        double h = lambdaOf(sT) - lambdaOf(sS);
        if (algorithm.equals("dpmsolver++")) {
            return sample.mul((sT * aT) / (sS * aS)).sub(m.mul(aT * (Math.exp(-h) - 1.0)));
        }
        return sample.mul(aT / aS).sub(m.mul(sT * aT * (Math.exp(h) - 1.0)));
    }

    private NDArray secondOrder(NDArray m0, NDArray m1, NDArray sample) {
        double sT = sigmas[stepIndex + 1];
        double s0 = sigmas[stepIndex];
        double s1 = sigmas[stepIndex - 1];
        double aT = alphaOf(sT);
        double a0 = alphaOf(s0);
        double lT = lambdaOf(sT);
        double l0 = lambdaOf(s0);
        double l1 = lambdaOf(s1);
        double h = lT - l0;
        double h0 = l0 - l1;
        double r0 = h0 / h;
        NDArray d1 = m0.sub(m1).mul(1.0 / r0);
        double sigT = sT * aT;
        double sig0 = s0 * a0;
        if (algorithm.equals("dpmsolver++")) {
            double c = aT * (Math.exp(-h) - 1.0);
            NDArray x = sample.mul(sigT / sig0).sub(m0.mul(c));
            return solverType.equals("midpoint") ? x.sub(d1.mul(0.5 * c))
                    : x.add(d1.mul(aT * ((Math.exp(-h) - 1.0) / h + 1.0)));
        }
        double c = sigT * (Math.exp(h) - 1.0);
        NDArray x = sample.mul(aT / a0).sub(m0.mul(c));
        return solverType.equals("midpoint") ? x.sub(d1.mul(0.5 * c))
                : x.sub(d1.mul(sigT * ((Math.exp(h) - 1.0) / h - 1.0)));
    }
}
