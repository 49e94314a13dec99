package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * torch.nn.GroupNorm written with DJL ops (DJL has no group norm): statistics per (sample, group)
 * over channels-in-group × spatial positions, biased variance, then a per-channel affine.
 * fp16/bf16 inputs are normalised in fp32 (as PyTorch's kernels accumulate) and cast back.
 */
public final class GroupNorm extends Module {
    private final Param weight;
    private final Param bias;
    public final int groups;
    public final int channels;
    public final float eps;

    public GroupNorm(int groups, int channels, float eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: channels " + channels + " not divisible by norm_num_groups " + groups);
        }
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        this.weight = param("weight", new Shape(channels), Init.ONES, 0);
        this.bias = param("bias", new Shape(channels), Init.ZEROS, 0);
    }

    /** (B, C, ...) -> same shape. */
    public NDArray forward(NDArray x) {
        return Profiler.time(Profiler.Kind.GROUP_NORM, () -> compute(x));
    }

    private NDArray compute(NDArray x) {
        Shape s = x.getShape();
        DataType dt = x.getDataType();
        NDArray xf = Ops.to(x, DataType.FLOAT32);
        NDArray g = xf.reshape(s.get(0), groups, -1); // (B, C, H, W) -> (B, G, C/G·H·W)
        NDArray mean = g.mean(new int[] {2}, true);
        NDArray xc = g.sub(mean);
        NDArray var = xc.square().mean(new int[] {2}, true);
        NDArray y = xc.div(var.add(eps).sqrt()).reshape(s); // (B, G, n) -> (B, C, H, W)
        y = Ops.to(y, dt);
        long[] affine = new long[s.dimension() - 1];
        java.util.Arrays.fill(affine, 1);
        affine[0] = channels;
        Shape as = new Shape(affine); // (C) -> (C, 1, 1) for 4-D input
        return y.mul(Ops.view(weight.get(), y, as)).add(Ops.view(bias.get(), y, as));
    }
}
