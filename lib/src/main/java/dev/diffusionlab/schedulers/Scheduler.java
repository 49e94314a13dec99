package dev.diffusionlab.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.noise.ForwardProcess;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A diffusers-style sampler: {@code setTimesteps}, then for each timestep {@code scaleModelInput},
 * the model call, and {@code step}. Built from a diffusers {@code scheduler_config.json} by
 * {@link Schedulers}.
 *
 * <pre>{@code
 * try (Scheduler s = Schedulers.fromConfig(folder.resolve("scheduler/scheduler_config.json"), Map.of())) {
 *     s.setTimesteps(25);
 *     NDArray x = latents.mul(s.initNoiseSigma());
 *     for (double t : s.timesteps()) {
 *         NDArray eps = unet.forward(s.scaleModelInput(x, t), t, text);
 *         x = s.step(eps, t, x).prevSample();
 *     }
 * }
 * }</pre>
 *
 * <p>Memory: {@code step}, {@code scaleModelInput} and {@code addNoise} return arrays in the manager of the
 * {@code sample} argument (the caller's; a per-step sub-manager is fine) and free their temporaries. State kept
 * across steps (PNDM's ets, LMS derivatives, Heun's first-order half, DPM/UniPC model outputs) lives in a
 * scheduler-owned manager on the sample's device that is closed by {@link #setTimesteps} (which starts a new
 * generation) and by {@link #close()}, so many generations never grow native memory.
 */
public abstract class Scheduler implements AutoCloseable {
    protected final SchedulerConfig config;
    protected final BetaSchedule schedule;
    protected final int numTrainTimesteps;
    protected final String predictionType;
    /** Current timesteps (float32 values as doubles); empty before setTimesteps. */
    protected double[] timesteps = new double[0];
    protected int numInferenceSteps = -1;
    protected NoiseSource noise = NoiseSource.seeded(0);

    private NDManager state;
    private NDManager stepTmp;
    private final Set<NDArray> tempAttached = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<NDArray> retired = new ArrayList<>();

    protected Scheduler(SchedulerConfig config) {
        this.config = config;
        SchedulerChecks.check(config);
        this.schedule = BetaSchedule.fromConfig(config);
        this.numTrainTimesteps = config.getInt("num_train_timesteps");
        this.predictionType = config.getChoice("prediction_type", "epsilon", "v_prediction", "sample");
        if (config.get("thresholding") != null && !config.isNull("thresholding") && config.getBool("thresholding")) {
            throw new IllegalArgumentException(config.className() + " config 'thresholding' = true is not supported");
        }
    }

    /** The diffusers class name, e.g. "EulerDiscreteScheduler". */
    public String name() {
        return config.className();
    }

    /** The effective config (defaults + file + overrides). */
    public SchedulerConfig config() {
        return config;
    }

    /** The training schedule (betas, alphas, alphasCumprod in float32). */
    public BetaSchedule betaSchedule() {
        return schedule;
    }

    /** Replaces the source of random draws (DDPM, DDIM with eta &gt; 0, Euler, Euler ancestral draw). */
    public void setNoiseSource(NoiseSource source) {
        if (source == null) {
            throw new IllegalArgumentException("noise source is null");
        }
        this.noise = source;
    }

    /** Sets the inference timesteps and starts a new generation: per-generation state is dropped and freed. */
    public final void setTimesteps(int numInferenceSteps) {
        if (numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps) {
            throw new IllegalArgumentException(name() + ": numInferenceSteps must be in 1.." + numTrainTimesteps + ", got " + numInferenceSteps);
        }
        closeState();
        this.numInferenceSteps = numInferenceSteps;
        computeTimesteps(numInferenceSteps);
        resetState();
    }

    /** Computes {@link #timesteps} (and sigmas) for {@code n} inference steps. */
    protected abstract void computeTimesteps(int n);

    /** Clears per-generation state (the arrays themselves are freed by the base class). */
    protected void resetState() {}

    /** The loop's timesteps, in order (may repeat: PNDM, Heun; fractional for Euler-type with Karras sigmas). */
    public double[] timesteps() {
        return timesteps.clone();
    }

    /** The number of inference steps set, or -1. */
    public int numInferenceSteps() {
        return numInferenceSteps;
    }

    /** The sigma table for sigma-based schedulers (length = loop steps + 1), else null. */
    public double[] sigmas() {
        return null;
    }

    /** Multiply the initial N(0,1) latents by this. */
    public double initNoiseSigma() {
        return 1.0;
    }

    /** diffusers' {@code order}: model calls per step of the underlying solver (2 for Heun). */
    public int order() {
        return 1;
    }

    /** The model input for timestep {@code t} (identity unless the scheduler scales, e.g. Euler divides by sqrt(sigma²+1)). */
    public NDArray scaleModelInput(NDArray sample, double t) {
        requireTimesteps();
        return sample;
    }

    /**
     * One denoising step from {@code sample} at timestep {@code t} with the model's prediction
     * {@code modelOutput} (epsilon, v or x0 by the config's prediction_type).
     */
    public final StepOutput step(NDArray modelOutput, double t, NDArray sample) {
        requireTimesteps();
        if (!modelOutput.getShape().equals(sample.getShape())) {
            throw new IllegalArgumentException(name() + ".step: model output shape " + modelOutput.getShape()
                    + " != sample shape " + sample.getShape());
        }
        NDManager caller = sample.getManager();
        StepOutput out;
        try (NDManager tmp = caller.newSubManager()) {
            stepTmp = tmp;
            use(sample);
            use(modelOutput);
            out = doStep(modelOutput, t, sample);
            out.prevSample().attach(caller);
            if (out.predOriginalSample() != null) {
                out.predOriginalSample().attach(caller);
            }
        } finally {
            stepTmp = null;
            tempAttached.clear();
        }
        for (NDArray a : retired) {
            a.close();
        }
        retired.clear();
        return out;
    }

    /** The step itself; every temporary lands in the step's temporary manager. */
    protected abstract StepOutput doStep(NDArray modelOutput, double t, NDArray sample);

    /** Forward diffusion to timestep {@code t} (img2img): the result is in {@code original}'s manager. */
    public abstract NDArray addNoise(NDArray original, NDArray noise, double t);

    /** A noise draw of {@code like}'s shape, in the step's temporary manager. */
    protected NDArray randnLike(NDArray like) {
        NDManager m = stepTmp != null ? stepTmp : like.getManager();
        NDArray r = noise.randn(like.getShape(), m);
        Shape s = r.getShape();
        if (!s.equals(like.getShape())) {
            throw new IllegalStateException("noise source returned shape " + s + " for " + like.getShape());
        }
        return r.toDevice(like.getDevice(), false);
    }

    /** Makes a kept state array usable in this step: results of ops on it land in the step's temporary manager. */
    protected NDArray use(NDArray a) {
        if (stepTmp != null && a != null && a.getManager() != stepTmp && tempAttached.add(a)) {
            a.tempAttach(stepTmp);
        }
        return a;
    }

    /** Keeps a fresh array (computed in this step) as state across steps. Never pass the caller's arrays: {@link #keepCopy}. */
    protected NDArray keep(NDArray fresh) {
        if (state == null) {
            state = NDManager.newBaseManager(fresh.getDevice());
        }
        fresh.attach(state);
        return fresh;
    }

    /** Keeps a copy of {@code a} as state. */
    protected NDArray keepCopy(NDArray a) {
        return keep(use(a).duplicate());
    }

    /** Frees a state array once the current step is over. */
    protected void retire(NDArray a) {
        if (a != null) {
            retired.add(a);
        }
    }

    protected void requireTimesteps() {
        if (numInferenceSteps < 0) {
            throw new IllegalStateException(name() + ": call setTimesteps(numInferenceSteps) first");
        }
    }

    /** An integer training timestep in [0, numTrainTimesteps). */
    protected int discreteT(double t) {
        if (t != Math.rint(t) || t < 0 || t >= numTrainTimesteps) {
            throw new IllegalArgumentException(name() + ": timestep " + t + " is not an integer in 0.." + (numTrainTimesteps - 1));
        }
        return (int) t;
    }

    /** alphas_cumprod[t] as a double. */
    protected double alphaProd(int t) {
        return schedule.alphasCumprod()[t];
    }

    /** {@code sqrt(abar)·x + sqrt(1−abar)·noise}, stage 1's forward process q(x_t | x_0) at integer timestep t. */
    protected NDArray addNoiseAlpha(NDArray original, NDArray noiseArr, int t) {
        return ForwardProcess.addNoise(original, noiseArr, new double[] {alphaProd(t)});
    }

    /** Number of arrays kept as per-generation state (for leak tests). */
    int stateArrayCount() {
        return state == null || !state.isOpen() ? 0 : state.getManagedArrays().size();
    }

    /** Frees the per-generation state. */
    private void closeState() {
        if (state != null) {
            state.close();
            state = null;
        }
    }

    /** Frees the per-generation state; the scheduler can be reused after {@link #setTimesteps}. */
    @Override
    public void close() {
        closeState();
        numInferenceSteps = -1;
        timesteps = new double[0];
        resetState();
    }
}
