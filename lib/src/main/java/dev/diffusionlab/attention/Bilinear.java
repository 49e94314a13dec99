package dev.diffusionlab.attention;

/**
 * Bilinear resizing as PyTorch's {@code F.interpolate(mode="bilinear", align_corners=False)}, written as a
 * matrix so that it can be applied to a whole stack of maps with two matrix products (it is linear, so it
 * commutes with the sums over heads, layers and steps).
 */
public final class Bilinear {
    private Bilinear() {}

    /** The (out × in) interpolation matrix of one axis, row-major. */
    public static float[] matrix(int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("sizes must be ≥ 1, got " + in + " -> " + out);
        }
        float[] r = new float[out * in];
        double scale = (double) in / out;
        for (int o = 0; o < out; o++) {
            double src = Math.max((o + 0.5) * scale - 0.5, 0);
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double w1 = src - i0;
            r[o * in + i0] += (float) (1 - w1);
            r[o * in + i1] += (float) w1;
        }
        return r;
    }

    /** Resizes one row-major map (h × w) to (oh × ow). */
    public static float[] resize(float[] map, int h, int w, int oh, int ow) {
        if (map.length != h * w) {
            throw new IllegalArgumentException("map has " + map.length + " values, expected " + h + "×" + w);
        }
        if (h == oh && w == ow) {
            return map.clone();
        }
        float[] ry = matrix(h, oh);
        float[] rx = matrix(w, ow);
        float[] tmp = new float[h * ow]; // rows first: (h, w) -> (h, ow)
        for (int y = 0; y < h; y++) {
            for (int ox = 0; ox < ow; ox++) {
                float s = 0;
                for (int x = 0; x < w; x++) {
                    s += map[y * w + x] * rx[ox * w + x];
                }
                tmp[y * ow + ox] = s;
            }
        }
        float[] out = new float[oh * ow]; // then columns: (h, ow) -> (oh, ow)
        for (int oy = 0; oy < oh; oy++) {
            for (int y = 0; y < h; y++) {
                float wy = ry[oy * h + y];
                if (wy == 0) {
                    continue;
                }
                for (int ox = 0; ox < ow; ox++) {
                    out[oy * ow + ox] += wy * tmp[y * ow + ox];
                }
            }
        }
        return out;
    }
}
