package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * diffusers' Downsample2D with a conv: 3×3 stride 2. {@code padding = 0} (the VAE encoder) pads
 * right and bottom by one first, exactly like diffusers.
 */
public final class Downsample2D extends Module {
    private final Conv2d conv;
    private final int padding;

    public Downsample2D(int channels, int out, int padding) {
        this.padding = padding;
        conv = child("conv", new Conv2d(channels, out, 3, 2, padding));
    }

    /** (B, C, H, W) -> (B, out, H/2, W/2). */
    public NDArray forward(NDArray x) {
        if (padding == 0) {
            // torch F.pad order: (left, right, top, bottom) for the last two dims
            return Ops.scoped(x, in -> conv.forward(in.pad(new Shape(0, 1, 0, 1), 0)));
        }
        return conv.forward(x);
    }
}
