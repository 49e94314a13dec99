package dev.diffusionlab.toy;

/**
 * The learned direction field on a grid at one timestep, in the data's own coordinates:
 * {@code DENOISE} is {@code x0_hat - x} (where the model thinks the clean point is), {@code SCORE}
 * is {@code -eps_hat / sqrt(1 - abar)} (the gradient of log-density of the noised data).
 *
 * <pre>{@code
 * VectorField f = VectorField.compute(model, 99, VectorField.Kind.DENOISE, 17, data, null, 0);
 * display(ToyPlots.vectorField(f, data, "t = 99"));
 * }</pre>
 */
public record VectorField(float[][] points, float[][] directions, int t, Kind kind, String label, double guidance) {

    /** Which direction to draw. */
    public enum Kind { DENOISE, SCORE }

    /**
     * Evaluates the field on a {@code grid x grid} lattice spanning the data's bounding box plus a
     * 25% margin; label/guidance as in {@link ToyModel#guidedEpsilon}.
     */
    public static VectorField compute(ToyModel model, int t, Kind kind, int grid, float[][] dataPoints, String label,
            double guidance) {
        if (grid < 2) {
            throw new IllegalArgumentException("grid must be >= 2, got " + grid);
        }
        double[] box = bounds(dataPoints, 0.25);
        float[][] pts = new float[grid * grid][2];
        for (int i = 0; i < grid; i++) {
            for (int j = 0; j < grid; j++) {
                pts[i * grid + j][0] = (float) (box[0] + (box[1] - box[0]) * j / (grid - 1));
                pts[i * grid + j][1] = (float) (box[2] + (box[3] - box[2]) * i / (grid - 1));
            }
        }
        return at(model, t, kind, pts, label, guidance);
    }

    /** The field at the given points (data coordinates). */
    public static VectorField at(ToyModel model, int t, Kind kind, float[][] points, String label, double guidance) {
        Standardizer s = model.standardizer();
        float[][] z = s.normalize(points);
        float[][] eps = model.guidedEpsilon(z, t, label, guidance);
        double a = model.alphaCumprod(t);
        float[][] dir = new float[points.length][2];
        for (int i = 0; i < points.length; i++) {
            for (int d = 0; d < 2; d++) {
                double v = kind == Kind.SCORE ? -eps[i][d] / Math.sqrt(1 - a)
                        : (z[i][d] - Math.sqrt(1 - a) * eps[i][d]) / Math.sqrt(a) - z[i][d];
                // standardised units back to data units along each axis
                dir[i][d] = (float) (v * (d == 0 ? s.stdX() : s.stdY()));
            }
        }
        return new VectorField(points, dir, t, kind, label, guidance);
    }

    /** |direction| at each point (data units). */
    public double[] magnitudes() {
        double[] m = new double[directions.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = Math.hypot(directions[i][0], directions[i][1]);
        }
        return m;
    }

    /** The side of the square lattice {@link #compute} made (points.length = grid²). */
    public int grid() {
        int g = (int) Math.round(Math.sqrt(points.length));
        if (g * g != points.length || g < 3) {
            throw new IllegalStateException("not a square lattice of at least 3x3 points: " + points.length + " points");
        }
        return g;
    }

    /**
     * Divergence ∂v_x/∂x + ∂v_y/∂y at each lattice point, by central differences (one-sided at the
     * border). Negative: arrows converge, a <em>sink</em> (where samples pile up); positive: a source.
     * Only for fields made by {@link #compute} (row-major lattice, x fastest).
     */
    public double[] divergence() {
        int g = grid();
        double dx = points[1][0] - points[0][0];
        double dy = points[g][1] - points[0][1];
        double[] div = new double[points.length];
        for (int i = 0; i < g; i++) {
            for (int j = 0; j < g; j++) {
                int jl = Math.max(j - 1, 0);
                int jr = Math.min(j + 1, g - 1);
                int il = Math.max(i - 1, 0);
                int ir = Math.min(i + 1, g - 1);
                double ddx = (directions[i * g + jr][0] - directions[i * g + jl][0]) / ((jr - jl) * dx);
                double ddy = (directions[ir * g + j][1] - directions[il * g + j][1]) / ((ir - il) * dy);
                div[i * g + j] = ddx + ddy;
            }
        }
        return div;
    }

    /** {xmin, xmax, ymin, ymax} of the points, widened by margin times the range on each side. */
    public static double[] bounds(float[][] p, double margin) {
        double x0 = Double.MAX_VALUE;
        double x1 = -Double.MAX_VALUE;
        double y0 = Double.MAX_VALUE;
        double y1 = -Double.MAX_VALUE;
        for (float[] q : p) {
            x0 = Math.min(x0, q[0]);
            x1 = Math.max(x1, q[0]);
            y0 = Math.min(y0, q[1]);
            y1 = Math.max(y1, q[1]);
        }
        double mx = Math.max(x1 - x0, 1e-6) * margin;
        double my = Math.max(y1 - y0, 1e-6) * margin;
        return new double[] {x0 - mx, x1 + mx, y0 - my, y1 + my};
    }
}
