package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** diffusers' Upsample2D: nearest-neighbour ×2, then a 3×3 conv. */
public final class Upsample2D extends Module {
    private final Conv2d conv;

    public Upsample2D(int channels, int out) {
        conv = child("conv", new Conv2d(channels, out, 3, 1, 1));
    }

    /** (B, C, H, W) -> (B, out, 2H, 2W). */
    public NDArray forward(NDArray x) {
        return Ops.scoped(x, in -> conv.forward(nearest2x(in)));
    }

    /**
     * Upsamples to an explicit size (diffusers' {@code upsample_size}, used when the latent is not a
     * multiple of 2^upsamplers and the skip connection's size must be met exactly).
     */
    public NDArray forward(NDArray x, long outH, long outW) {
        Shape s = x.getShape();
        if (outH == 2 * s.get(2) && outW == 2 * s.get(3)) {
            return forward(x);
        }
        return Ops.scoped(x, in -> conv.forward(nearest(in, outH, outW)));
    }

    /**
     * Nearest-neighbour resize like torch's {@code interpolate(size=..., mode="nearest")}: source index
     * {@code floor(dst·in/out)}. Done as products with 0/1 selection matrices, which copy values exactly.
     */
    public static NDArray nearest(NDArray x, long outH, long outW) {
        Shape s = x.getShape();
        int inH = (int) s.get(2);
        int inW = (int) s.get(3);
        float[] r = new float[(int) outH * inH];
        for (int i = 0; i < outH; i++) {
            r[i * inH + Math.min((int) Math.floor(i * ((float) inH / outH)), inH - 1)] = 1f;
        }
        float[] c = new float[inW * (int) outW];
        for (int j = 0; j < outW; j++) {
            c[Math.min((int) Math.floor(j * ((float) inW / outW)), inW - 1) * (int) outW + j] = 1f;
        }
        NDArray cols = Ops.constant(x.getManager(), c, new Shape(inW, outW), x.getDataType());
        NDArray rows = Ops.constant(x.getManager(), r, new Shape(outH, inH), x.getDataType());
        NDArray y = x.matMul(cols); // (B, C, H, W)·(W, W') -> (B, C, H, W')
        return rows.matMul(y); // (H', H)·(B, C, H, W') -> (B, C, H', W')
    }

    /** Nearest-neighbour ×2 by broadcasting: (B, C, H, W) -> (B, C, H, 1, W, 1) -> (B, C, H, 2, W, 2) -> (B, C, 2H, 2W). */
    public static NDArray nearest2x(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        return x.reshape(b, c, h, 1, w, 1).broadcast(new Shape(b, c, h, 2, w, 2)).reshape(b, c, h * 2, w * 2); // (B, C, H, W) -> (B, C, H, 1, W, 1) -> (B, C, H, 2, W, 2) -> (B, C, 2H, 2W)
    }
}
