package dev.diffusionlab.space;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Image space: a C×H×W picture is one point of a space with C·H·W axes, one per pixel value. These
 * helpers flatten pictures to vectors and measure them there (L2 and cosine distances, nearest
 * neighbours).
 *
 * <pre>{@code
 * long d = ImageSpace.dimension(cat);                      // 3·64·64 = 12288 axes
 * double far = ImageSpace.l2(cat, coffee);
 * List<ImageSpace.Neighbour> nn = ImageSpace.nearest(query, set, 3);
 * }</pre>
 */
public final class ImageSpace {
    private ImageSpace() {}

    /** One entry of a nearest-neighbour list: index into the set and L2 distance. */
    public record Neighbour(int index, double distance) {}

    /** The number of axes of the space one picture (C, H, W) lives in: C·H·W. */
    public static long dimension(NDArray image) {
        return image.getShape().size();
    }

    /** (C, H, W) → (D,); a batch (N, C, H, W) → (N, D). */
    public static NDArray flatten(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() == 4) {
            return x.reshape(s.get(0), -1); // (N, C, H, W) -> (N, C*H*W)
        }
        return x.reshape(-1); // (C, H, W) -> (C*H*W,)
    }

    /** Euclidean distance ‖a − b‖ between two pictures of one shape. */
    public static double l2(NDArray a, NDArray b) {
        sameSize(a, b);
        return a.toType(DataType.FLOAT32, false).sub(b.toType(DataType.FLOAT32, false)).square().sum().sqrt().getFloat();
    }

    /** Cosine similarity a·b / (‖a‖‖b‖) of the two flattened pictures (1 = same direction from the origin). */
    public static double cosine(NDArray a, NDArray b) {
        sameSize(a, b);
        NDArray fa = a.reshape(-1).toType(DataType.FLOAT32, false); // (C, H, W) -> (D,)
        NDArray fb = b.reshape(-1).toType(DataType.FLOAT32, false); // (C, H, W) -> (D,)
        double dot = fa.dot(fb).getFloat();
        double na = fa.norm().getFloat();
        double nb = fb.norm().getFloat();
        if (na == 0 || nb == 0) {
            throw new IllegalArgumentException("cosine of a zero vector is undefined");
        }
        return dot / (na * nb);
    }

    /** L2 distances from one picture (C, H, W) to every picture of a set (N, C, H, W). */
    public static double[] distances(NDArray query, NDArray set) {
        Shape q = query.getShape();
        Shape s = set.getShape();
        if (s.dimension() != q.dimension() + 1 || !s.slice(1).equals(q)) {
            throw new IllegalArgumentException("query shape " + q + " does not match set shape " + s
                    + " (expected (N, " + q.toString().substring(1));
        }
        NDArray flat = set.reshape(s.get(0), -1).toType(DataType.FLOAT32, false); // (N, C, H, W) -> (N, D)
        NDArray fq = query.reshape(1, -1).toType(DataType.FLOAT32, false); // (C, H, W) -> (1, D)
        float[] d = flat.sub(fq).square().sum(new int[] {1}).sqrt().toFloatArray();
        double[] out = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i];
        }
        return out;
    }

    /** The k pictures of {@code set} nearest (L2) to {@code query}, nearest first. */
    public static List<Neighbour> nearest(NDArray query, NDArray set, int k) {
        double[] d = distances(query, set);
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        List<Neighbour> all = new ArrayList<>();
        for (int i = 0; i < d.length; i++) {
            all.add(new Neighbour(i, d[i]));
        }
        all.sort(Comparator.comparingDouble(Neighbour::distance));
        return List.copyOf(all.subList(0, Math.min(k, all.size())));
    }

    /** For every picture of a set (N, C, H, W): the L2 distance to its nearest neighbour in the set (itself excluded). */
    public static double[] nearestOtherDistances(NDArray set) {
        long n = set.getShape().get(0);
        if (n < 2) {
            throw new IllegalArgumentException("a set of " + n + " pictures has no nearest other picture");
        }
        NDArray x = set.reshape(n, -1).toType(DataType.FLOAT64, false); // (N, C, H, W) -> (N, D)
        NDArray sq = x.square().sum(new int[] {1}); // (N, D) -> (N,)
        // ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b for all pairs at once: (N, 1) + (1, N) − 2 (N, N)
        NDArray d2 = sq.reshape(n, 1).add(sq.reshape(1, n)).sub(x.dot(x.transpose()).mul(2));
        double[] all = d2.toDoubleArray();
        double[] out = new double[(int) n];
        for (int i = 0; i < n; i++) {
            double best = Double.MAX_VALUE;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    best = Math.min(best, all[i * (int) n + j]);
                }
            }
            out[i] = Math.sqrt(Math.max(best, 0));
        }
        return out;
    }

    /**
     * The seed's "one pixel changed" example: a copy of the (C, H, W) picture with pixel (y, x) set to
     * {@code values} (one per channel, in [−1, 1]).
     */
    public static NDArray withPixel(NDArray image, int y, int x, float... values) {
        Shape s = image.getShape();
        if (s.dimension() != 3 || values.length != s.get(0)) {
            throw new IllegalArgumentException("withPixel needs a (C, H, W) image and C values; got shape " + s
                    + " and " + values.length + " values");
        }
        if (y < 0 || y >= s.get(1) || x < 0 || x >= s.get(2)) {
            throw new IllegalArgumentException("pixel (" + y + ", " + x + ") is outside a " + s.get(1) + "x" + s.get(2) + " image");
        }
        NDArray out = image.duplicate();
        for (int c = 0; c < values.length; c++) {
            out.set(new NDIndex(c, y, x), values[c]);
        }
        return out;
    }

    /** Straight-line interpolation (1 − α)·a + α·b in pixel space. */
    public static NDArray lerp(NDArray a, NDArray b, double alpha) {
        sameSize(a, b);
        return a.mul((float) (1 - alpha)).add(b.mul((float) alpha));
    }

    /** n pictures evenly spaced on the straight line from a to b (both ends included): (n, C, H, W). */
    public static NDArray lerpPath(NDArray a, NDArray b, int n) {
        if (n < 2) {
            throw new IllegalArgumentException("an interpolation path needs n >= 2, got " + n);
        }
        sameSize(a, b);
        float[] al = new float[n];
        for (int i = 0; i < n; i++) {
            al[i] = (float) i / (n - 1);
        }
        long[] shape = new long[a.getShape().dimension() + 1];
        Arrays.fill(shape, 1);
        shape[0] = n;
        NDArray alpha = a.getManager().create(al, new Shape(shape)); // (n,) -> (n, 1, 1, 1)
        NDArray ea = a.expandDims(0); // (C, H, W) -> (1, C, H, W)
        NDArray eb = b.expandDims(0); // (C, H, W) -> (1, C, H, W)
        return ea.mul(alpha.neg().add(1f)).add(eb.mul(alpha));
    }

    private static void sameSize(NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new IllegalArgumentException("pictures of different shapes " + a.getShape() + " and " + b.getShape()
                    + " are not points of one space");
        }
    }
}
