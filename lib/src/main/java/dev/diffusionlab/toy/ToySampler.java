package dev.diffusionlab.toy;

import java.util.Locale;
import java.util.Random;

/**
 * DDPM (ancestral) and DDIM (deterministic, eta = 0) sampling of a {@link ToyModel}, recording every
 * particle's trajectory, with optional classifier-free guidance towards a label.
 *
 * <pre>{@code
 * Trajectories tr = ToySampler.sample(model, ToySampler.Kind.DDIM, 500, 50, 7L, "cat", 3.0);
 * Table samples = tr.samplesTable();      // x, y in the data's own coordinates
 * }</pre>
 */
public final class ToySampler {
    /** The two samplers. */
    public enum Kind {
        DDPM, DDIM;

        /** "ddpm" or "ddim". */
        public static Kind parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown sampler '" + s + "' (ddpm, ddim)");
            }
        }
    }

    private ToySampler() {}

    /** Standard normal starting points (N, 2), seeded. */
    public static float[][] noise(int n, long seed) {
        if (n <= 0) {
            throw new IllegalArgumentException("number of samples must be positive, got " + n);
        }
        Random r = new Random(seed);
        float[][] x = new float[n][2];
        for (float[] p : x) {
            p[0] = (float) r.nextGaussian();
            p[1] = (float) r.nextGaussian();
        }
        return x;
    }

    /** {@code numInferenceSteps} timesteps from T-1 down to 0, evenly spaced (diffusers' "linspace"). */
    public static int[] setTimesteps(int numTrainTimesteps, int numInferenceSteps) {
        if (numInferenceSteps <= 0 || numInferenceSteps > numTrainTimesteps) {
            throw new IllegalArgumentException("numInferenceSteps must be in 1.." + numTrainTimesteps + ", got " + numInferenceSteps);
        }
        int[] ts = new int[numInferenceSteps];
        for (int i = 0; i < numInferenceSteps; i++) {
            ts[i] = numInferenceSteps == 1 ? numTrainTimesteps - 1
                    : (int) Math.round((numTrainTimesteps - 1) * (1 - i / (double) (numInferenceSteps - 1)));
        }
        return ts;
    }

    /** Samples n particles from seeded noise; label null (or guidance 0) is unconditional. */
    public static Trajectories sample(ToyModel model, Kind kind, int n, int numInferenceSteps, long seed,
            String label, double guidance) {
        return sample(model, kind, noise(n, seed), numInferenceSteps, seed + 1, label, guidance);
    }

    /** Samples from the given standardised starting points; DDPM's fresh noise comes from noiseSeed. */
    public static Trajectories sample(ToyModel model, Kind kind, float[][] start, int numInferenceSteps, long noiseSeed,
            String label, double guidance) {
        return sample(model::guidedEpsilon, model.schedule().alphasCumprod(), kind, start, numInferenceSteps, noiseSeed,
                label, guidance, model.standardizer());
    }

    /** The noise predictor a sampler needs: epsilon(x, t, label, guidance). */
    @FunctionalInterface
    public interface EpsilonFn {
        float[][] apply(float[][] x, int t, String label, double guidance);
    }

    /** The sampler loop for any epsilon predictor (used with closed-form predictors in tests). */
    public static Trajectories sample(EpsilonFn eps, double[] alphasCumprod, Kind kind, float[][] start,
            int numInferenceSteps, long noiseSeed, String label, double guidance, Standardizer std) {
        int[] ts = setTimesteps(alphasCumprod.length, numInferenceSteps);
        Random r = new Random(noiseSeed);
        int n = start.length;
        float[][][] frames = new float[ts.length + 1][][];
        frames[0] = copy(start);
        float[][] x = copy(start);
        for (int k = 0; k < ts.length; k++) {
            int t = ts[k];
            double a = alphasCumprod[t];
            double ap = k + 1 < ts.length ? alphasCumprod[ts[k + 1]] : 1.0;
            float[][] e = eps.apply(x, t, label, guidance);
            double sa = Math.sqrt(a);
            double s1 = Math.sqrt(1 - a);
            double alpha = a / ap; // the step's own alpha_t = abar_t / abar_prev
            double beta = 1 - alpha;
            float[][] next = new float[n][2];
            for (int i = 0; i < n; i++) {
                for (int d = 0; d < 2; d++) {
                    double x0 = (x[i][d] - s1 * e[i][d]) / sa;
                    double v;
                    if (kind == Kind.DDIM) {
                        v = Math.sqrt(ap) * x0 + Math.sqrt(1 - ap) * e[i][d];
                    } else {
                        // posterior q(x_prev | x_t, x0) mean and variance (DDPM eq. 7)
                        double mean = Math.sqrt(ap) * beta / (1 - a) * x0 + Math.sqrt(alpha) * (1 - ap) / (1 - a) * x[i][d];
                        double var = (1 - ap) / (1 - a) * beta;
                        v = mean + (k + 1 < ts.length ? Math.sqrt(var) * r.nextGaussian() : 0);
                    }
                    next[i][d] = (float) v;
                }
            }
            x = next;
            frames[k + 1] = next;
        }
        return new Trajectories(frames, ts, std, label, guidance);
    }

    private static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
