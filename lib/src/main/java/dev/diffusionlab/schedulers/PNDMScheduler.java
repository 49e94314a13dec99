package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * Liu et al.'s pseudo numerical methods (diffusers {@code PNDMScheduler}): Runge-Kutta warm-up steps (PRK)
 * unless {@code skip_prk_steps}, then linear multistep (PLMS) with up to 4 past model outputs. With
 * skip_prk_steps the second timestep is repeated (SD 1.x: 11 model calls for 10 steps).
 */
public class PNDMScheduler extends Scheduler {
    private static final int PNDM_ORDER = 4;
    private final boolean skipPrk;
    private final double finalAlphaCumprod;
    private int[] prkTimesteps = new int[0];
    private final List<NDArray> ets = new ArrayList<>();
    private int counter;
    private NDArray curSample;
    private NDArray curModelOutput;

    public PNDMScheduler(SchedulerConfig config) {
        super(config);
        this.skipPrk = config.getBool("skip_prk_steps");
        this.finalAlphaCumprod = config.getBool("set_alpha_to_one") ? 1.0 : schedule.alphasCumprod()[0];
    }

    @Override
    protected void computeTimesteps(int n) {
        String spacing = config.getChoice("timestep_spacing", "linspace", "leading", "trailing");
        int offset = config.getInt("steps_offset");
        // diffusers' _timesteps are ascending here
        double[] asc = Spacing.reversed(Spacing.spacing(spacing, n, numTrainTimesteps, offset));
        if (spacing.equals("linspace")) {
            asc = Spacing.rint(asc);
        }
        int len = asc.length;
        List<Double> all = new ArrayList<>();
        if (skipPrk) {
            prkTimesteps = new int[0];
            // concat(_t[:-1], _t[-2:-1], _t[-1:])[::-1]
            List<Double> plms = new ArrayList<>();
            for (int i = 0; i < len - 1; i++) {
                plms.add(asc[i]);
            }
            if (len >= 2) {
                plms.add(asc[len - 2]);
            }
            plms.add(asc[len - 1]);
            for (int i = plms.size() - 1; i >= 0; i--) {
                all.add(plms.get(i));
            }
        } else {
            if (len < PNDM_ORDER) {
                throw new IllegalArgumentException("PNDM with PRK steps needs at least " + PNDM_ORDER + " inference steps, got " + n);
            }
            int half = numTrainTimesteps / n / 2;
            // prk = repeat(_t[-4:], 2) + tile([0, half], 4); then (prk[:-1].repeat(2)[1:-1])[::-1]
            List<Integer> prk = new ArrayList<>();
            for (int i = len - PNDM_ORDER; i < len; i++) {
                prk.add((int) asc[i]);
                prk.add((int) asc[i] + half);
            }
            List<Integer> rep = new ArrayList<>();
            for (int i = 0; i < prk.size() - 1; i++) {
                rep.add(prk.get(i));
                rep.add(prk.get(i));
            }
            List<Integer> mid = rep.subList(1, rep.size() - 1);
            prkTimesteps = new int[mid.size()];
            for (int i = 0; i < mid.size(); i++) {
                prkTimesteps[i] = mid.get(mid.size() - 1 - i);
                all.add((double) prkTimesteps[i]);
            }
            for (int i = len - 4; i >= 0; i--) { // _timesteps[:-3][::-1]
                all.add(asc[i]);
            }
        }
        timesteps = all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Override
    protected void resetState() {
        ets.clear();
        counter = 0;
        curSample = null;
        curModelOutput = null;
    }

    @Override
    protected StepOutput doStep(NDArray modelOutput, double t, NDArray sample) {
        if (counter < prkTimesteps.length && !skipPrk) {
            return stepPrk(modelOutput, discreteT(t), sample);
        }
        return stepPlms(modelOutput, discreteT(t), sample);
    }

    private StepOutput stepPrk(NDArray modelOutput, int timestep, NDArray sample) {
        int diffToPrev = counter % 2 != 0 ? 0 : numTrainTimesteps / numInferenceSteps / 2;
        int prevTimestep = timestep - diffToPrev;
        timestep = prkTimesteps[counter / 4 * 4];
        NDArray mo = modelOutput;
        if (counter % 4 == 0) {
            retire(curModelOutput);
            curModelOutput = keep(mo.mul(1.0 / 6));
            ets.add(keepCopy(mo));
            retire(curSample);
            curSample = keepCopy(sample);
        } else if ((counter - 1) % 4 == 0 || (counter - 2) % 4 == 0) {
            NDArray old = curModelOutput;
            curModelOutput = keep(use(old).add(mo.mul(1.0 / 3)));
            retire(old);
        } else {
            mo = use(curModelOutput).add(mo.mul(1.0 / 6));
            retire(curModelOutput);
            curModelOutput = null;
        }
        NDArray cur = curSample != null ? use(curSample) : sample;
        NDArray prev = prevSample(cur, timestep, prevTimestep, mo);
        counter++;
        return new StepOutput(prev, null);
    }

    private StepOutput stepPlms(NDArray modelOutput, int timestep, NDArray sample) {
        if (!skipPrk && ets.size() < 3) {
            throw new IllegalStateException("PNDM: PLMS needs 3 PRK steps first (skip_prk_steps=false)");
        }
        int stepSize = numTrainTimesteps / numInferenceSteps;
        int prevTimestep = timestep - stepSize;
        if (counter != 1) {
            while (ets.size() > 3) {
                retire(ets.remove(0));
            }
            ets.add(keepCopy(modelOutput));
        } else {
            prevTimestep = timestep;
            timestep = timestep + stepSize;
        }
        NDArray mo;
        NDArray x = sample;
        int n = ets.size();
        if (n == 1 && counter == 0) {
            mo = modelOutput;
            curSample = keepCopy(sample);
        } else if (n == 1 && counter == 1) {
            mo = modelOutput.add(use(ets.get(0))).div(2);
            x = use(curSample);
            retire(curSample);
            curSample = null;
        } else if (n == 2) {
            mo = use(ets.get(1)).mul(3).sub(use(ets.get(0))).div(2);
        } else if (n == 3) {
            mo = use(ets.get(2)).mul(23).sub(use(ets.get(1)).mul(16)).add(use(ets.get(0)).mul(5)).div(12);
        } else {
            mo = use(ets.get(3)).mul(55).sub(use(ets.get(2)).mul(59)).add(use(ets.get(1)).mul(37))
                    .sub(use(ets.get(0)).mul(9)).mul(1.0 / 24);
        }
        NDArray prev = prevSample(x, timestep, prevTimestep, mo);
        counter++;
        return new StepOutput(prev, null);
    }

    /**
     * The transfer part φ of PNDM (Liu et al. 2022, Eq. 9): x_{t−δ} = √(ᾱ_{t−δ}/ᾱ_t)·x_t
     * − (ᾱ_{t−δ} − ᾱ_t)/(ᾱ_t·√(1−ᾱ_{t−δ}) + √(ᾱ_t·(1−ᾱ_t)·ᾱ_{t−δ}))·ε; names as diffusers' {@code _get_prev_sample}.
     */
    private NDArray prevSample(NDArray sample, int timestep, int prevTimestep, NDArray modelOutput) {
        double alphaProdT = alphaProd(timestep);
        double alphaProdTPrev = prevTimestep >= 0 ? alphaProd(prevTimestep) : finalAlphaCumprod;
        double betaProdT = 1 - alphaProdT;
        double betaProdTPrev = 1 - alphaProdTPrev;
        NDArray eps = modelOutput;
        if (predictionType.equals("v_prediction")) {
            eps = modelOutput.mul(Math.sqrt(alphaProdT)).add(sample.mul(Math.sqrt(betaProdT)));
        } else if (!predictionType.equals("epsilon")) {
            throw new IllegalArgumentException("PNDMScheduler supports prediction_type epsilon or v_prediction, not " + predictionType);
        }
        double sampleCoeff = Math.sqrt(alphaProdTPrev / alphaProdT);
        double modelOutputDenomCoeff = alphaProdT * Math.sqrt(betaProdTPrev) + Math.sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        return sample.mul(sampleCoeff).sub(eps.mul((alphaProdTPrev - alphaProdT) / modelOutputDenomCoeff));
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noiseArr, double t) {
        return addNoiseAlpha(original, noiseArr, discreteT(t));
    }
}
