package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** torch.nn.LayerNorm over the last dimension (DJL's engine op); parameters {@code weight}, {@code bias}. */
public final class LayerNorm extends Module {
    private final Param weight;
    private final Param bias;
    private final Shape normalized;
    public final float eps;

    public LayerNorm(int dim, float eps) {
        this.eps = eps;
        this.normalized = new Shape(dim);
        this.weight = param("weight", new Shape(dim), Init.ONES, 0);
        this.bias = param("bias", new Shape(dim), Init.ZEROS, 0);
    }

    /** (..., dim) -> same shape. */
    public NDArray forward(NDArray x) {
        return Profiler.time(Profiler.Kind.LAYER_NORM,
                () -> ai.djl.nn.norm.LayerNorm.layerNorm(x, normalized, weight.get(), bias.get(), eps).singletonOrThrow());
    }
}
