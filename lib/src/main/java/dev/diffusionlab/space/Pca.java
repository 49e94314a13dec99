package dev.diffusionlab.space;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Principal component analysis of a few hundred pictures living in thousands of dimensions. With N
 * points in D ≫ N dimensions the D×D covariance is too big, so this works on the N×N Gram matrix of the
 * centred points (computed by DJL) and takes its eigenvectors with commons-math3's
 * {@link EigenDecomposition}: a Gram eigenvector u with eigenvalue λ gives the principal axis Xᵀu/√λ.
 *
 * <pre>{@code
 * Pca pca = Pca.fit(batch, 2);                 // batch (N, C, H, W) or (N, D)
 * double[][] xy = pca.project(batch);          // N rows of (pc1, pc2)
 * }</pre>
 */
public final class Pca {
    private final float[] mean;
    private final float[][] components;
    private final double[] explained;

    private Pca(float[] mean, float[][] components, double[] explained) {
        this.mean = mean;
        this.components = components;
        this.explained = explained;
    }

    /** Fits k principal axes to the N points of {@code points} ((N, D) or (N, C, H, W)); needs N > k. */
    public static Pca fit(NDArray points, int k) {
        Shape s = points.getShape();
        if (s.dimension() < 2 || s.get(0) <= k) {
            throw new IllegalArgumentException("PCA needs a batch (N, ...) with N > k = " + k + ", got shape " + s);
        }
        int n = (int) s.get(0);
        NDArray x = points.reshape(n, -1).toType(DataType.FLOAT64, false); // (N, ...) -> (N, D)
        NDArray mu = x.mean(new int[] {0}); // (N, D) -> (D,)
        NDArray xc = x.sub(mu);
        NDArray gram = xc.dot(xc.transpose()); // (N, D) x (D, N) -> (N, N)
        double[] g = gram.toDoubleArray();
        double[][] gm = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(g, i * n, gm[i], 0, n);
        }
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(gm, false));
        double[] lambdas = eig.getRealEigenvalues();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(lambdas[b], lambdas[a]));
        double total = 0;
        for (double l : lambdas) {
            total += Math.max(l, 0);
        }
        RealMatrix v = eig.getV();
        float[][] comps = new float[k][];
        double[] explained = new double[k];
        for (int c = 0; c < k; c++) {
            int j = order[c];
            double lam = lambdas[j];
            if (lam <= 1e-12 * total) {
                throw new IllegalArgumentException("the points span fewer than " + k + " directions");
            }
            double[] u = v.getColumn(j);
            NDArray uu = points.getManager().create(u, new Shape(1, n)); // (N,) -> (1, N)
            NDArray axis = uu.dot(xc).div(Math.sqrt(lam)).reshape(-1); // (1, N) x (N, D) -> (1, D) -> (D,)
            comps[c] = axis.toType(DataType.FLOAT32, false).toFloatArray();
            explained[c] = lam / total;
        }
        return new Pca(mu.toType(DataType.FLOAT32, false).toFloatArray(), comps, explained);
    }

    /** Coordinates of points ((N, D) or (N, C, H, W)) on the fitted axes: N rows of k values. */
    public double[][] project(NDArray points) {
        Shape s = points.getShape();
        int n = (int) s.get(0);
        NDArray x = points.reshape(n, -1).toType(DataType.FLOAT32, false); // (N, ...) -> (N, D)
        if (x.getShape().get(1) != mean.length) {
            throw new IllegalArgumentException("points of shape " + s + " have " + x.getShape().get(1)
                    + " values each; this PCA was fitted on " + mean.length);
        }
        NDArray mu = points.getManager().create(mean);
        float[] flat = new float[components.length * mean.length];
        for (int c = 0; c < components.length; c++) {
            System.arraycopy(components[c], 0, flat, c * mean.length, mean.length);
        }
        NDArray w = points.getManager().create(flat, new Shape(components.length, mean.length));
        float[] p = x.sub(mu).dot(w.transpose()).toFloatArray(); // (N, D) x (D, k) -> (N, k)
        double[][] out = new double[n][components.length];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < components.length; c++) {
                out[i][c] = p[i * components.length + c];
            }
        }
        return out;
    }

    /** Share of the total variance along each axis. */
    public double[] explainedVarianceRatio() {
        return explained.clone();
    }

    /** Axis c as a unit vector of D values (reshape to (C, H, W) to see it as a picture). */
    public float[] component(int c) {
        return components[c].clone();
    }
}
