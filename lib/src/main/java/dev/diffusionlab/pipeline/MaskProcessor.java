package dev.diffusionlab.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;

/**
 * Inpainting inputs prepared exactly as diffusers' {@code StableDiffusionInpaintPipeline} does with its
 * {@code VaeImageProcessor}s: the image to {@code 2x − 1}; the mask resized to the image size with torch
 * {@code nearest} (source index {@code floor(dst · in/out)}), binarised ({@code < 0.5 → 0}, {@code ≥ 0.5 → 1},
 * white = repaint); the masked image {@code image × (mask < 0.5)} (the repainted area becomes 0, mid grey);
 * and the mask on the latent grid by {@code nearest} again: element (i, j) is pixel (8i, 8j), the top-left
 * pixel of each 8×8 block.
 *
 * <pre>{@code
 * MaskProcessor.Prepared p = MaskProcessor.prepare(image01, mask01, 128, 128, 8);
 * p.maskLatent();   // (1, 1, 16, 16) of 0/1
 * }</pre>
 */
public final class MaskProcessor {
    private MaskProcessor() {}

    /**
     * The prepared tensors (float32, in the inputs' manager).
     *
     * @param image the image in [−1, 1] (B, 3, H, W)
     * @param maskCondition the binary mask at pixel size (B, 1, H, W)
     * @param maskedImage {@code image × (maskCondition < 0.5)} (B, 3, H, W)
     * @param maskLatent the mask on the latent grid (B, 1, H/f, W/f)
     */
    public record Prepared(NDArray image, NDArray maskCondition, NDArray maskedImage, NDArray maskLatent) {}

    /**
     * Prepares an image (B, 3, h, w) in [0, 1] and a mask (B, 1, hm, wm), (1, hm, wm) or (hm, wm) in [0, 1]
     * for a {@code height × width} generation with VAE downscale {@code vaeScale}. Both are resized with
     * {@code nearest} when their size differs. The error names the wrong shape.
     */
    public static Prepared prepare(NDArray image01, NDArray mask01, int height, int width, int vaeScale) {
        Shape is = image01.getShape();
        if (is.dimension() != 4 || is.get(1) != 3) {
            throw new IllegalArgumentException("init image must be (batch, 3, height, width) in [0, 1], got shape " + is);
        }
        NDArray mask = asMask4d(mask01);
        if (height % vaeScale != 0 || width % vaeScale != 0) {
            throw new IllegalArgumentException("height and width must be multiples of " + vaeScale + ", got " + height + "×" + width);
        }
        NDArray img = resizeNearest(image01.toType(DataType.FLOAT32, false), height, width);
        NDArray normalized = img.mul(2).sub(1); // [0,1] -> [-1,1]
        NDArray m = resizeNearest(mask.toType(DataType.FLOAT32, false), height, width);
        NDArray cond = m.gte(0.5f).toType(DataType.FLOAT32, false); // < 0.5 -> 0, >= 0.5 -> 1
        NDArray keep = cond.lt(0.5f).toType(DataType.FLOAT32, false);
        NDArray masked = normalized.mul(keep); // (B,3,H,W) * (B,1,H,W)
        NDArray latent = resizeNearest(cond, height / vaeScale, width / vaeScale); // (B,1,H,W) -> (B,1,H/f,W/f)
        return new Prepared(normalized, cond, masked, latent);
    }

    /** A mask as (B, 1, H, W); the error says which shapes are accepted. */
    static NDArray asMask4d(NDArray mask) {
        Shape s = mask.getShape();
        NDArray m = switch (s.dimension()) {
            case 2 -> mask.reshape(1, 1, s.get(0), s.get(1)); // (H, W) -> (1, 1, H, W)
            case 3 -> s.get(0) == 1 ? mask.expandDims(0) : null; // (1, H, W) -> (1, 1, H, W)
            case 4 -> s.get(1) == 1 ? mask : null;
            default -> null;
        };
        if (m == null) {
            throw new IllegalArgumentException("mask must have one channel: (batch, 1, height, width), (1, height, width) or"
                    + " (height, width) with 1 = repaint, got shape " + s);
        }
        return m;
    }

    /**
     * torch's {@code interpolate(x, size=(h, w), mode="nearest")} on (B, C, H, W): output (i, j) reads input
     * ({@code floor(i · H/h)}, {@code floor(j · W/w)}) with the scale in float32 as torch computes it.
     */
    public static NDArray resizeNearest(NDArray x, int h, int w) {
        Shape s = x.getShape();
        int inH = (int) s.get(2);
        int inW = (int) s.get(3);
        if (inH == h && inW == w) {
            return x;
        }
        long[] rows = new long[h];
        long[] cols = new long[w];
        float sh = (float) inH / h;
        float sw = (float) inW / w;
        for (int i = 0; i < h; i++) {
            rows[i] = Math.min((long) Math.floor(i * sh), inH - 1);
        }
        for (int j = 0; j < w; j++) {
            cols[j] = Math.min((long) Math.floor(j * sw), inW - 1);
        }
        NDManager m = x.getManager();
        NDArray r = m.create(rows);
        NDArray c = m.create(cols);
        NDArray out = x.get(new ai.djl.ndarray.index.NDIndex(":, :, {}", r)); // (B,C,H,W) -> (B,C,h,W)
        return out.get(new ai.djl.ndarray.index.NDIndex(":, :, :, {}", c)); // (B,C,h,W) -> (B,C,h,w)
    }

    /** A picture as (1, 3, H, W) in [0, 1] (bytes / 255, as diffusers' PIL route before its resize). */
    public static NDArray imageTensor(BufferedImage img, NDManager manager) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] v = new float[3 * w * h];
        int plane = w * h;
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            v[i] = ((p >> 16) & 0xff) / 255f;
            v[plane + i] = ((p >> 8) & 0xff) / 255f;
            v[2 * plane + i] = (p & 0xff) / 255f;
        }
        return manager.create(v, new Shape(1, 3, h, w));
    }

    /**
     * A black-and-white mask picture as (1, 1, H, W) in [0, 1] (white = repaint). A picture whose pixels are
     * coloured (R, G, B not equal) is refused: a mask has one channel, and guessing which one was meant would
     * hide a wrong file. {@code source} names the file in the error.
     */
    public static NDArray maskTensor(BufferedImage img, NDManager manager, String source) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] v = new float[w * h];
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            int r = (p >> 16) & 0xff;
            int g = (p >> 8) & 0xff;
            int b = p & 0xff;
            if (r != g || g != b) {
                throw new IllegalArgumentException(source + ": the mask must be black and white (one channel); pixel ("
                        + (i % w) + ", " + (i / w) + ") is coloured (" + r + ", " + g + ", " + b + ")");
            }
            v[i] = r / 255f;
        }
        return manager.create(v, new Shape(1, 1, h, w));
    }
}
