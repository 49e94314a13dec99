package dev.diffusionlab.pipeline;

import ai.djl.ndarray.NDArray;
import dev.diffusionlab.image.ImageGrid;
import dev.diffusionlab.image.Images;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Pictures of latents for the notebooks: each of the 4 latent channels as a grey image (min → black,
 * max → white, per channel).
 *
 * <pre>{@code display(LatentViews.channels(latents, 8));   // latents (1, 4, h, w)}</pre>
 */
public final class LatentViews {
    private LatentViews() {}

    /** One grey tile per channel of {@code latents} (1, C, h, w), enlarged {@code zoom}×, captioned with the range. */
    public static BufferedImage channels(NDArray latents, int zoom) {
        long[] s = latents.getShape().getShape();
        if (s.length != 4 || s[0] != 1) {
            throw new IllegalArgumentException("latents must be (1, C, h, w), got " + latents.getShape());
        }
        int c = (int) s[1];
        int h = (int) s[2];
        int w = (int) s[3];
        float[] v = latents.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> caps = new ArrayList<>();
        for (int ch = 0; ch < c; ch++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < h * w; i++) {
                lo = Math.min(lo, v[ch * h * w + i]);
                hi = Math.max(hi, v[ch * h * w + i]);
            }
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float f = hi > lo ? (v[ch * h * w + y * w + x] - lo) / (hi - lo) : 0.5f;
                    int g = Math.round(255 * f);
                    img.setRGB(x, y, (g << 16) | (g << 8) | g);
                }
            }
            tiles.add(Images.enlarge(img, zoom));
            caps.add(String.format(java.util.Locale.ROOT, "ch %d [%.2f, %.2f]", ch, lo, hi));
        }
        return ImageGrid.of(tiles, caps, c, 1);
    }

    /** Cosine similarity of two arrays of the same shape, flattened. */
    public static double cosine(NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new IllegalArgumentException("shapes differ: " + a.getShape() + " vs " + b.getShape());
        }
        float[] x = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        float[] y = b.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int i = 0; i < x.length; i++) {
            dot += (double) x[i] * y[i];
            nx += (double) x[i] * x[i];
            ny += (double) y[i] * y[i];
        }
        return dot / Math.sqrt(nx * ny);
    }
}
