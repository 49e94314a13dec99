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

    /** Nearest-neighbour ×2 by broadcasting: (B, C, H, W) -> (B, C, H, 1, W, 1) -> (B, C, H, 2, W, 2) -> (B, C, 2H, 2W). */
    public static NDArray nearest2x(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        return x.reshape(b, c, h, 1, w, 1).broadcast(new Shape(b, c, h, 2, w, 2)).reshape(b, c, h * 2, w * 2);
    }
}
