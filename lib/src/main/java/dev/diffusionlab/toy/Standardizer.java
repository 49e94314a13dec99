package dev.diffusionlab.toy;

/**
 * Per-axis mean/std normalisation: the model trains on standardised points and samples are mapped
 * back to the data's own coordinates.
 */
public record Standardizer(double meanX, double meanY, double stdX, double stdY) {

    /** Fits mean and std (population) of the points; a constant axis gets std 1. */
    public static Standardizer fit(float[][] points) {
        if (points.length == 0) {
            throw new IllegalArgumentException("cannot standardise an empty point set");
        }
        double mx = 0;
        double my = 0;
        for (float[] p : points) {
            mx += p[0];
            my += p[1];
        }
        mx /= points.length;
        my /= points.length;
        double vx = 0;
        double vy = 0;
        for (float[] p : points) {
            vx += (p[0] - mx) * (p[0] - mx);
            vy += (p[1] - my) * (p[1] - my);
        }
        double sx = Math.sqrt(vx / points.length);
        double sy = Math.sqrt(vy / points.length);
        return new Standardizer(mx, my, sx > 1e-12 ? sx : 1, sy > 1e-12 ? sy : 1);
    }

    /** Data coordinates to model coordinates. */
    public float[][] normalize(float[][] points) {
        float[][] out = new float[points.length][2];
        for (int i = 0; i < points.length; i++) {
            out[i][0] = (float) ((points[i][0] - meanX) / stdX);
            out[i][1] = (float) ((points[i][1] - meanY) / stdY);
        }
        return out;
    }

    /** Model coordinates back to data coordinates. */
    public float[][] denormalize(float[][] points) {
        float[][] out = new float[points.length][2];
        for (int i = 0; i < points.length; i++) {
            out[i][0] = (float) (points[i][0] * stdX + meanX);
            out[i][1] = (float) (points[i][1] * stdY + meanY);
        }
        return out;
    }
}
