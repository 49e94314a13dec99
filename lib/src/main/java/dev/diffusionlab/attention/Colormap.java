package dev.diffusionlab.attention;

/**
 * Perceptually uniform colormaps (matplotlib's viridis and inferno) as 6th-degree polynomial fits
 * (hand-written from the published fits by M. Zucconi / mattz, max error ≈ 1/255 per channel), so no
 * 256-entry table is needed. Lightness rises monotonically from 0 to 1, so a heat map reads correctly in
 * grey too.
 *
 * <pre>{@code int rgb = Colormap.INFERNO.rgb(0.8);}</pre>
 */
public enum Colormap {
    VIRIDIS(new double[][] {
            {0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
            {0.1050930431085774, 1.404613529898575, 1.384590162594685},
            {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
            {-4.634230498983486, -5.799100973351585, -19.33244095627987},
            {6.228269936347081, 14.17993336680509, 56.69055260068105},
            {4.776384997670288, -13.74514537774601, -65.35303263337234},
            {-5.435455855934631, 4.645852612178535, 26.3124352495832}}),
    INFERNO(new double[][] {
            {0.0002189403691192265, 0.001651004631001012, -0.01948089843709184},
            {0.1065134194856116, 0.5639564367884091, 3.932712388889277},
            {11.60249308247187, -3.972853965665698, -15.9423941062914},
            {-41.70399613139459, 17.43639888205313, 44.35414519872813},
            {77.162935699427, -33.40235894210092, -81.80730925738993},
            {-71.31942824499214, 32.62606426397723, 73.20951985803202},
            {25.13112622477341, -12.24266895238567, -23.07032500287172}});

    private final double[][] c;

    Colormap(double[][] c) {
        this.c = c;
    }

    /** The colour of {@code t} (clamped to [0, 1]) as r, g, b in [0, 1]. */
    public double[] color(double t) {
        double x = Double.isNaN(t) ? 0 : Math.max(0, Math.min(1, t));
        double[] out = new double[3];
        for (int ch = 0; ch < 3; ch++) {
            double v = c[6][ch];
            for (int k = 5; k >= 0; k--) {
                v = c[k][ch] + x * v;
            }
            out[ch] = Math.max(0, Math.min(1, v));
        }
        return out;
    }

    /** The colour of {@code t} as packed 0xRRGGBB. */
    public int rgb(double t) {
        double[] v = color(t);
        return ((int) Math.round(v[0] * 255) << 16) | ((int) Math.round(v[1] * 255) << 8) | (int) Math.round(v[2] * 255);
    }
}
