package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** 2-D convolution (NCHW) through DJL's engine op; parameters {@code weight} (out, in, k, k), {@code bias}. */
public final class Conv2d extends Module {
    private final Param weight;
    private final Param bias;
    private final Shape stride;
    private final Shape padding;
    private static final Shape DILATION = new Shape(1, 1);
    public final int in;
    public final int out;

    public Conv2d(int in, int out, int kernel, int stride, int padding) {
        this.in = in;
        this.out = out;
        long fanIn = (long) in * kernel * kernel;
        this.weight = param("weight", new Shape(out, in, kernel, kernel), Init.UNIFORM_FAN_IN, fanIn);
        this.bias = param("bias", new Shape(out), Init.UNIFORM_FAN_IN, fanIn);
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    /** (B, in, H, W) -> (B, out, H', W'). */
    public NDArray forward(NDArray x) {
        return Profiler.time(Profiler.Kind.CONV,
                () -> x.getNDArrayInternal().convolution(x, weight.get(), bias.get(), stride, padding, DILATION, 1).singletonOrThrow());
    }
}
