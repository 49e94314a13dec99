package dev.diffusionlab.schedulers;

/**
 * What the sigma-based schedulers ({@link SigmaScheduler}: Euler, LMS, Heun; {@link MultistepScheduler}:
 * DPM-Solver++, UniPC) share: the float32 training sigmas σ_t = √((1 − ᾱ_t)/ᾱ_t) and their logs, the
 * sigma table of the current generation, and the step counter with diffusers' {@code index_for_timestep}
 * and {@code set_begin_index}.
 */
public abstract class SigmaTableScheduler extends Scheduler {
    /** Training sigmas (float32 values), ascending with t. */
    protected final double[] trainSigmas;
    /** log of the training sigmas (float32 values). */
    protected final double[] logSigmas;
    /** The current generation's sigmas (float32 values), one more than the loop steps (the final sigma). */
    protected double[] sigmas = new double[0];
    protected int stepIndex = -1;
    protected int beginIndex = -1;

    protected SigmaTableScheduler(SchedulerConfig config) {
        super(config);
        float[] ac = schedule.alphasCumprod().clone();
        if (BetaSchedule.rescaleZeroSnr(config)) {
            ac[ac.length - 1] = (float) Math.pow(2, -24); // diffusers keeps the last sigma finite
        }
        trainSigmas = new double[ac.length];
        logSigmas = new double[ac.length];
        for (int i = 0; i < ac.length; i++) {
            float r = (1f - ac[i]) / ac[i];
            trainSigmas[i] = (float) Math.sqrt(r);
            logSigmas[i] = (float) Math.log(trainSigmas[i]);
        }
    }

    @Override
    public double[] sigmas() {
        return sigmas.clone();
    }

    /** A boolean config key that may be absent or null (then false). */
    protected boolean flag(String key) {
        return config.get(key) != null && !config.isNull(key) && config.getBool(key);
    }

    /**
     * diffusers' {@code index_for_timestep}: the index of {@code t} in the current timesteps, the second
     * match when t repeats (a pipeline that starts mid-schedule, e.g. img2img, lands on the second one).
     * A timestep that is not in the schedule is an error for every scheduler here (diffusers' multistep
     * solvers silently fall back to the last index, which hides a caller's mistake).
     *
     * @throws IllegalArgumentException naming the scheduler and the timestep
     */
    protected int indexForTimestep(double t) {
        int first = -1;
        int second = -1;
        int count = 0;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                if (count == 0) {
                    first = i;
                } else if (count == 1) {
                    second = i;
                }
                count++;
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException(name() + ": timestep " + t + " is not one of this schedule's timesteps");
        }
        return count > 1 ? second : first;
    }

    /** Starts the step counter at {@code index} (pipelines that skip the first steps, e.g. img2img). */
    public void setBeginIndex(int index) {
        this.beginIndex = index;
    }

    /** The index of the next step (-1 before the first). */
    public int stepIndex() {
        return stepIndex;
    }

    protected void initStepIndex(double t) {
        if (stepIndex < 0) {
            stepIndex = beginIndex >= 0 ? beginIndex : indexForTimestep(t);
        }
    }

    /** The sigma index {@code addNoise} uses for timestep {@code t} (diffusers' add_noise). */
    protected int addNoiseIndex(double t) {
        return beginIndex < 0 ? indexForTimestep(t) : (stepIndex >= 0 ? stepIndex : beginIndex);
    }

    @Override
    protected void resetState() {
        stepIndex = -1;
        beginIndex = -1;
    }
}
