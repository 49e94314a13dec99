package dev.diffusionlab.noise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.Gaussian;
import dev.diffusionlab.space.ImageSpace;
import dev.diffusionlab.viz.TableFormat;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * How much of a picture is left at each timestep of the forward process: correlation with the original,
 * PSNR, remaining signal √ᾱ_t, and the distance to the original against the distance to the nearest
 * other picture of a reference set.
 *
 * <pre>{@code
 * Table t = NoiseMetrics.table(NoiseSchedule.of("scaled_linear"), cat, others, new int[] {0, 250, 500, 999}, 42);
 * }</pre>
 */
public final class NoiseMetrics {
    private NoiseMetrics() {}

    /** Pearson correlation of the pixel values of two pictures of one shape. */
    public static double correlation(NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new IllegalArgumentException("shapes " + a.getShape() + " and " + b.getShape() + " differ");
        }
        NDArray x = a.reshape(-1).toType(DataType.FLOAT64, false); // (C, H, W) -> (D,)
        NDArray y = b.reshape(-1).toType(DataType.FLOAT64, false); // (C, H, W) -> (D,)
        NDArray xc = x.sub(x.mean());
        NDArray yc = y.sub(y.mean());
        double den = Math.sqrt(xc.square().sum().getDouble() * yc.square().sum().getDouble());
        if (den == 0) {
            throw new IllegalArgumentException("correlation is undefined for a constant picture");
        }
        return xc.mul(yc).sum().getDouble() / den;
    }

    /** PSNR in dB of {@code x} against {@code reference}, both in [−1, 1] (peak-to-peak range 2). */
    public static double psnr(NDArray x, NDArray reference) {
        if (!x.getShape().equals(reference.getShape())) {
            throw new IllegalArgumentException("shapes " + x.getShape() + " and " + reference.getShape() + " differ");
        }
        double mse = x.toType(DataType.FLOAT64, false).sub(reference.toType(DataType.FLOAT64, false)).square().mean().getDouble();
        return 10 * Math.log10(4.0 / mse);
    }

    /**
     * One row per timestep: t, sqrt_alpha_bar (remaining signal), correlation and psnr of x_t against x_0,
     * dist_to_original ‖x_t − x_0‖, dist_to_nearest_other (min over {@code others}) and nearest_other
     * (its index as text). The same seeded ε is used at every t, so the rows follow one straight path
     * x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε away from the picture.
     *
     * @param x0     the picture (C, H, W)
     * @param others other pictures (N, C, H, W) of the same size
     */
    public static Table table(NoiseSchedule schedule, NDArray x0, NDArray others, int[] timesteps, long seed) {
        return table(schedule, x0, others, null, timesteps, seed);
    }

    /**
     * As {@link #table(NoiseSchedule, NDArray, NDArray, int[], long)}, with nearest_other given by name
     * ({@code otherNames.get(index)}) instead of index; doubles print with 4 significant digits.
     */
    public static Table table(NoiseSchedule schedule, NDArray x0, NDArray others, List<String> otherNames, int[] timesteps,
            long seed) {
        if (otherNames != null && otherNames.size() != others.getShape().get(0)) {
            throw new IllegalArgumentException(otherNames.size() + " names for " + others.getShape().get(0) + " other pictures");
        }
        ForwardProcess q = new ForwardProcess(schedule);
        IntColumn tc = IntColumn.create("t");
        DoubleColumn sa = DoubleColumn.create("sqrt_alpha_bar");
        DoubleColumn corr = DoubleColumn.create("correlation");
        DoubleColumn ps = DoubleColumn.create("psnr_db");
        DoubleColumn dOrig = DoubleColumn.create("dist_to_original");
        DoubleColumn dNear = DoubleColumn.create("dist_to_nearest_other");
        StringColumn near = StringColumn.create("nearest_other");
        try (NDManager sub = x0.getManager().newSubManager()) {
            NDArray eps = Gaussian.noise(sub, x0.getShape(), seed);
            for (int t : timesteps) {
                try (NDManager step = sub.newSubManager()) {
                    NDArray xt = q.addNoise(x0, eps, t);
                    xt.attach(step);
                    tc.append(t);
                    sa.append(Math.sqrt(schedule.alphaCumprod(t)));
                    corr.append(correlation(xt, x0));
                    ps.append(psnr(xt, x0));
                    dOrig.append(ImageSpace.l2(xt, x0));
                    ImageSpace.Neighbour nn = ImageSpace.nearest(xt, others, 1).get(0);
                    dNear.append(nn.distance());
                    near.append(otherNames == null ? Integer.toString(nn.index()) : otherNames.get(nn.index()));
                }
            }
        }
        return TableFormat.significant(Table.create(schedule.name() + " forward process", tc, sa, corr, ps, dOrig, dNear, near), 4);
    }
}
