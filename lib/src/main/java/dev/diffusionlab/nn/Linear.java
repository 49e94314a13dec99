package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code y = x·Wᵀ + b} with PyTorch's (out, in) weight layout; parameters {@code weight}, {@code bias}. */
public final class Linear extends Module {
    private final Param weight;
    private final Param bias;
    public final int in;
    public final int out;

    public Linear(int in, int out, boolean bias) {
        this.in = in;
        this.out = out;
        this.weight = param("weight", new Shape(out, in), Init.UNIFORM_FAN_IN, in);
        this.bias = bias ? param("bias", new Shape(out), Init.UNIFORM_FAN_IN, in) : null;
    }

    /** (..., in) -> (..., out). */
    public NDArray forward(NDArray x) {
        return Profiler.time(Profiler.Kind.LINEAR,
                () -> ai.djl.nn.core.Linear.linear(x, weight.get(), bias == null ? null : bias.get()).singletonOrThrow());
    }
}
