package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonElement;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * UniPC (Zhao et al. 2023; diffusers {@code UniPCMultistepScheduler}): a multistep predictor (UniP) plus a
 * corrector (UniC) that reuses the model output at the new point, so accuracy rises at no extra model call.
 * B(h) variants bh1 / bh2, predict_x0 or noise prediction, any solver_order.
 */
public class UniPCMultistepScheduler extends MultistepScheduler {
    private final int solverOrder;
    private final boolean predictX0;
    private final String solverType;
    private final Set<Integer> disableCorrector = new HashSet<>();
    private final NDArray[] modelOutputs;
    private int lowerOrderNums;
    private int thisOrder;
    private NDArray lastSample;

    public UniPCMultistepScheduler(SchedulerConfig config) {
        super(config);
        solverOrder = config.getInt("solver_order");
        if (solverOrder < 1) {
            throw new IllegalArgumentException("UniPCMultistepScheduler: solver_order must be >= 1, got " + solverOrder);
        }
        predictX0 = config.getBool("predict_x0");
        String st = config.getString("solver_type");
        solverType = (st.equals("midpoint") || st.equals("heun") || st.equals("logrho")) ? "bh2" : st;
        if (!solverType.equals("bh1") && !solverType.equals("bh2")) {
            throw new IllegalArgumentException("UniPCMultistepScheduler: solver_type '" + st + "' is not supported (bh1, bh2)");
        }
        if (!config.isNull("solver_p")) {
            throw new IllegalArgumentException("UniPCMultistepScheduler: solver_p is not supported");
        }
        JsonElement dc = config.get("disable_corrector");
        if (dc != null && dc.isJsonArray()) {
            dc.getAsJsonArray().forEach(e -> disableCorrector.add(e.getAsInt()));
        }
        modelOutputs = new NDArray[solverOrder];
    }

    @Override
    protected void computeTimesteps(int n) {
        computeTables(n, numTrainTimesteps, true);
    }

    @Override
    protected void resetState() {
        super.resetState();
        Arrays.fill(modelOutputs, null);
        lowerOrderNums = 0;
        thisOrder = 0;
        lastSample = null;
    }

    /**
     * UniPC (Zhao et al. 2023, Algorithms 1–2, bh2 variant): the UniC corrector applied to the previous
     * sample with the new model output, then the UniP predictor of the configured order; as diffusers'
     * {@code UniPCMultistepScheduler.step}.
     */
    @Override
    protected StepOutput doStep(NDArray modelOutput, double t, NDArray sample) {
        initStepIndex(t);
        boolean useCorrector = stepIndex > 0 && !disableCorrector.contains(stepIndex - 1) && lastSample != null;
        NDArray converted = convert(modelOutput, sample, predictX0);
        NDArray x = sample;
        if (useCorrector) {
            x = corrector(converted, use(lastSample), sample, thisOrder);
        }
        retire(modelOutputs[0]);
        System.arraycopy(modelOutputs, 1, modelOutputs, 0, solverOrder - 1);
        modelOutputs[solverOrder - 1] = keep(converted.duplicate());
        int order = flag("lower_order_final") ? Math.min(solverOrder, timesteps.length - stepIndex) : solverOrder;
        thisOrder = Math.min(order, lowerOrderNums + 1);
        NDArray prev = predictor(x, thisOrder);
        retire(lastSample);
        lastSample = keepCopy(x);
        if (lowerOrderNums < solverOrder) {
            lowerOrderNums++;
        }
        stepIndex++;
        return new StepOutput(prev, null);
    }

    /** The B(h) coefficient system: returns {hPhi1, Bh, b[0..order-1]}; rks filled by the caller. */
    private double[] coefficients(double hh, int order) {
        double hPhi1 = Math.expm1(hh);
        double hPhiK = hPhi1 / hh - 1;
        double factorial = 1;
        double bh = solverType.equals("bh1") ? hh : Math.expm1(hh);
        double[] out = new double[2 + order];
        out[0] = hPhi1;
        out[1] = bh;
        for (int i = 1; i <= order; i++) {
            out[1 + i] = hPhiK * factorial / bh;
            factorial *= i + 1;
            hPhiK = hPhiK / hh - 1 / factorial;
        }
        return out;
    }

    /**
     * What UniP and UniC share for a step from sigma index {@code s0} to {@code t} (Zhao et al. 2023, Alg. 1–2):
     * m0 the newest converted model output, h = λ_t − λ_{s0}, the ratios r_k = (λ_{s0−k} − λ_{s0})/h (r_order = 1),
     * the scaled differences D1_k = (m_k − m0)/r_k, and the B(h) coefficients.
     */
    private record Terms(NDArray m0, double alphaT, double alpha0, double sigmaT, double sigma0, double[] rks, NDArray[] d1s,
                         double[] coeffs) {
        /** The x_t part both updates start from: (σ_t/σ_0)·x − α_t·φ1·m0 (data prediction) or its noise-prediction twin. */
        NDArray base(NDArray x, boolean predictX0) {
            double hPhi1 = coeffs[0];
            return predictX0 ? x.mul(sigmaT / sigma0).sub(m0.mul(alphaT * hPhi1))
                    : x.mul(alphaT / alpha0).sub(m0.mul(sigmaT * hPhi1));
        }

        /** The factor of the higher-order correction term: α_t·B(h) or σ_t·B(h). */
        double correctionScale(boolean predictX0) {
            return (predictX0 ? alphaT : sigmaT) * coeffs[1];
        }
    }

    private Terms terms(int t, int s0, int order) {
        NDArray m0 = use(modelOutputs[solverOrder - 1]);
        double sT = sigmas[t];
        double sS = sigmas[s0];
        double aT = alphaOf(sT);
        double a0 = alphaOf(sS);
        double l0 = lambdaOf(sS);
        double h = lambdaOf(sT) - l0;
        double[] rks = new double[order];
        NDArray[] d1s = new NDArray[order - 1];
        for (int i = 1; i < order; i++) {
            NDArray mi = use(modelOutputs[solverOrder - 1 - i]);
            double rk = (lambdaOf(sigmas[s0 - i]) - l0) / h;
            rks[i - 1] = rk;
            d1s[i - 1] = mi.sub(m0).div(rk);
        }
        rks[order - 1] = 1.0;
        double[] c = coefficients(predictX0 ? -h : h, order);
        return new Terms(m0, aT, a0, sT * aT, sS * a0, rks, d1s, c);
    }

    /** UniP: x_t from x_{s0} with the last {@code order} converted model outputs. */
    private NDArray predictor(NDArray x, int order) {
        Terms k = terms(stepIndex + 1, stepIndex, order);
        double[] rhos = null;
        if (order > 1) {
            rhos = order == 2 ? new double[] {0.5} : solve(vandermonde(k.rks(), order - 1), Arrays.copyOfRange(k.coeffs(), 2, 2 + order - 1));
        }
        NDArray res = null;
        for (int j = 0; rhos != null && j < rhos.length; j++) {
            NDArray term = k.d1s()[j].mul(rhos[j]);
            res = res == null ? term : res.add(term);
        }
        NDArray xt = k.base(x, predictX0);
        if (res != null) {
            xt = xt.sub(res.mul(k.correctionScale(predictX0)));
        }
        return xt;
    }

    /** UniC: corrects the sample the last predictor produced, using the model output {@code modelT} at it. */
    private NDArray corrector(NDArray modelT, NDArray lastX, NDArray thisSample, int order) {
        Terms k = terms(stepIndex, stepIndex - 1, order);
        double[] rhos = order == 1 ? new double[] {0.5} : solve(vandermonde(k.rks(), order), Arrays.copyOfRange(k.coeffs(), 2, 2 + order));
        NDArray corr = modelT.sub(k.m0()).mul(rhos[rhos.length - 1]);
        for (int j = 0; j < order - 1; j++) {
            corr = corr.add(k.d1s()[j].mul(rhos[j]));
        }
        return k.base(lastX, predictX0).sub(corr.mul(k.correctionScale(predictX0)));
    }

    /** R[i][j] = rks[j]^i for i, j < n. */
    private static double[][] vandermonde(double[] rks, int n) {
        double[][] r = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                r[i][j] = Math.pow(rks[j], i);
            }
        }
        return r;
    }

    /** Gaussian elimination with partial pivoting (the systems are at most solver_order × solver_order). */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = Arrays.copyOf(a[i], n + 1);
            m[i][n] = b[i];
        }
        for (int col = 0; col < n; col++) {
            int piv = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) {
                    piv = r;
                }
            }
            double[] tmp = m[col];
            m[col] = m[piv];
            m[piv] = tmp;
            if (m[col][col] == 0) {
                throw new IllegalStateException("UniPC: singular coefficient system");
            }
            for (int r = col + 1; r < n; r++) {
                double f = m[r][col] / m[col][col];
                for (int k = col; k <= n; k++) {
                    m[r][k] -= f * m[col][k];
                }
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = m[i][n];
            for (int k = i + 1; k < n; k++) {
                s -= m[i][k] * x[k];
            }
            x[i] = s / m[i][i];
        }
        return x;
    }
}
