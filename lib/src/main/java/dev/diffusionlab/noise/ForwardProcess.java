package dev.diffusionlab.noise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Gaussian;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The forward (noising) process q of a {@link NoiseSchedule}: in closed form,
 * x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε (diffusers' {@code add_noise}), or one step at a time,
 * x_t = √α_t·x_{t−1} + √β_t·ε_t, starting from x_0 (the step at t = 0 turns x_0 into x_0's first noisy
 * version). Both give the same distribution N(√ᾱ_t·x_0, (1−ᾱ_t)·I).
 *
 * <pre>{@code
 * ForwardProcess q = new ForwardProcess(NoiseSchedule.of("scaled_linear"));
 * ForwardProcess.Noised n = q.sample(cat, 500, 42);   // n.xt() noisy cat, n.noise() the ε that was used
 * }</pre>
 */
public final class ForwardProcess {
    private final NoiseSchedule schedule;

    /** A noisy sample together with the standard-normal noise ε that produced it at timestep t. */
    public record Noised(NDArray xt, NDArray noise, int t) {}

    public ForwardProcess(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    /**
     * diffusers' {@code add_noise(original_samples, noise, timesteps)} for one timestep:
     * √ᾱ_t·x_0 + √(1−ᾱ_t)·ε, in float32 like diffusers.
     *
     * @throws IllegalArgumentException if t is outside [0, T) or the shapes differ
     */
    public NDArray addNoise(NDArray original, NDArray noise, int t) {
        checkShapes(original, noise);
        return addNoise(f32(original), f32(noise), new double[] {schedule.alphaCumprod(t)});
    }

    /**
     * Batched {@code add_noise}: {@code original} and {@code noise} are (B, ...) and sample b gets
     * timesteps[b] (the training step of every trainer here draws one timestep per sample).
     *
     * @throws IllegalArgumentException if a timestep is outside [0, T), the shapes differ or the batch size is not timesteps.length
     */
    public NDArray addNoise(NDArray original, NDArray noise, int[] timesteps) {
        checkShapes(original, noise);
        double[] alphaBar = new double[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            alphaBar[i] = schedule.alphaCumprod(timesteps[i]);
        }
        return addNoise(f32(original), f32(noise), alphaBar);
    }

    /**
     * q(x_t | x_0) in closed form (Ho et al. 2020, Eq. 4): x_t = √ᾱ·x_0 + √(1−ᾱ)·ε, the one place in this
     * project that mixes a sample with noise. {@code alphaBar} holds ᾱ for the whole batch (length 1) or
     * one ᾱ per sample along the first axis. The result keeps {@code original}'s data type and manager.
     *
     * @throws IllegalArgumentException if the shapes differ or alphaBar's length is neither 1 nor the batch size
     */
    public static NDArray addNoise(NDArray original, NDArray noise, double[] alphaBar) {
        checkShapes(original, noise);
        if (alphaBar.length == 1) {
            double a = alphaBar[0];
            return original.mul((float) Math.sqrt(a)).add(noise.mul((float) Math.sqrt(1 - a)));
        }
        long b = original.getShape().dimension() == 0 ? -1 : original.getShape().get(0);
        if (alphaBar.length != b) {
            throw new IllegalArgumentException("got " + alphaBar.length + " timesteps for a batch of " + b
                    + " (shape " + original.getShape() + ")");
        }
        float[] sa = new float[alphaBar.length];
        float[] sb = new float[alphaBar.length];
        for (int i = 0; i < alphaBar.length; i++) {
            sa[i] = (float) Math.sqrt(alphaBar[i]);
            sb[i] = (float) Math.sqrt(1 - alphaBar[i]);
        }
        long[] bshape = new long[original.getShape().dimension()];
        Arrays.fill(bshape, 1);
        bshape[0] = b;
        NDManager m = original.getManager();
        DataType type = original.getDataType();
        NDArray a = m.create(sa, new Shape(bshape)).toType(type, false); // (B,) -> (B, 1, 1, ...) to broadcast over each sample
        NDArray s = m.create(sb, new Shape(bshape)).toType(type, false);
        return original.mul(a).add(noise.mul(s));
    }

    private static NDArray f32(NDArray x) {
        return x.toType(DataType.FLOAT32, false);
    }

    /** Closed-form q(x_t | x_0) with seeded noise; the noise is returned with the sample. */
    public Noised sample(NDArray x0, int t, long seed) {
        schedule.checkT(t);
        NDArray eps = Gaussian.noise(x0.getManager(), x0.getShape(), seed);
        return new Noised(addNoise(x0, eps, t), eps, t);
    }

    /** One forward step q(x_t | x_{t−1}) = √α_t·x_{t−1} + √β_t·ε. */
    public NDArray step(NDArray xPrev, NDArray noise, int t) {
        schedule.checkT(t);
        checkShapes(xPrev, noise);
        double beta = schedule.betas()[t];
        return xPrev.mul((float) Math.sqrt(1 - beta)).add(noise.mul((float) Math.sqrt(beta)));
    }

    /**
     * Walks x_0 step by step through timesteps 0 … t with seeded noise. The returned noise is the
     * single ε that the closed form would need for the same x_t: (x_t − √ᾱ_t·x_0)/√(1−ᾱ_t).
     */
    public Noised walk(NDArray x0, int t, long seed) {
        NDArray xt = trajectory(x0, new int[] {t}, seed).get(0);
        double a = schedule.alphaCumprod(t);
        NDArray eps = xt.sub(x0.mul((float) Math.sqrt(a))).div((float) Math.sqrt(1 - a));
        return new Noised(xt, eps, t);
    }

    /**
     * Step-by-step walk from x_0, keeping x_t at each requested timestep (any order, each in [0, T)).
     * Memory stays flat: every step's temporaries live in a sub-manager that is closed at once.
     */
    public List<NDArray> trajectory(NDArray x0, int[] timesteps, long seed) {
        int last = -1;
        for (int t : timesteps) {
            last = Math.max(last, schedule.checkT(t));
        }
        double[] betas = schedule.betas();
        NDManager parent = x0.getManager();
        Random rng = new Random(seed);
        NDArray[] kept = new NDArray[timesteps.length];
        NDArray x = dev.diffusionlab.nn.Ops.copy(x0, DataType.FLOAT32);
        for (int s = 0; s <= last; s++) {
            NDArray next;
            try (NDManager sub = parent.newSubManager()) {
                x.attach(sub);
                NDArray eps = Gaussian.noise(sub, x.getShape(), rng);
                next = x.mul((float) Math.sqrt(1 - betas[s])).add(eps.mul((float) Math.sqrt(betas[s])));
                next.attach(parent);
            }
            x = next;
            for (int i = 0; i < timesteps.length; i++) {
                if (timesteps[i] == s) {
                    kept[i] = x.duplicate();
                }
            }
        }
        x.close();
        return new ArrayList<>(Arrays.asList(kept));
    }

    private static void checkShapes(NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new IllegalArgumentException("sample shape " + a.getShape() + " and noise shape " + b.getShape() + " differ");
        }
    }
}
