package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * torch.nn.GroupNorm from DJL's fused norm ops (DJL has no group norm): statistics per (sample, group)
 * over channels-in-group × spatial positions, biased variance, then the per-channel affine. Inference
 * normalises and applies the affine in one native pass (eval-mode batch norm fed the group statistics);
 * training uses the fused layer norm over (B, G, C/G·H·W), whose backward autograd knows.
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
        long b = s.get(0);
        long n = s.size() / (b * groups);
        NDArray xf = Ops.to(x, DataType.FLOAT32);
        NDArray g = xf.reshape(b, groups, n); // (B, C, H, W) -> (B, G, C/G·H·W)
        if (!Ops.inferenceOnly(x, weight.get(), bias.get())) {
            // training: group norm = layer norm over each group's values (one fused op with its own backward),
            // then the per-channel affine
            NDArray[] unit = Ops.unitAffine(n, x.getDevice());
            NDArray y = ai.djl.nn.norm.LayerNorm.layerNorm(g, new Shape(n), unit[0], unit[1], eps).singletonOrThrow().reshape(s);
            y = Ops.to(y, dt);
            Shape as = affineShape(s); // (C) -> (C, 1, 1) for 4-D input
            return y.mul(Ops.view(weight.get(), y, as)).add(Ops.view(bias.get(), y, as));
        }
        // inference: exact two-pass group statistics on small tensors, then ONE fused native pass that
        // normalises and applies the affine: eval-mode batch norm over (1, B·C, H·W) with the group stats
        // as running stats computes x·(γ·rstd) + (β − mean·γ·rstd), the formula of torch's group_norm kernel
        NDArray mean = g.mean(new int[] {2}, true); // (B, G, 1)
        NDArray xc = g.sub(mean);
        NDArray norm = xc.norm(new int[] {2}, true); // (B, G, 1): sqrt(Σ (x − mean)²)
        xc.close(); // a full-size buffer: free it before the output is allocated
        NDArray var = Ops.div(norm.square(), n); // biased variance
        long cg = channels / groups;
        NDArray meanC = mean.broadcast(b, groups, cg).reshape(b * channels); // (B, G, 1) -> (B, G, C/G) -> (B·C)
        NDArray varC = var.broadcast(b, groups, cg).reshape(b * channels);
        NDArray w = perSample(weight.get(), b, xf);
        NDArray bb = perSample(bias.get(), b, xf);
        NDArray y = ai.djl.nn.norm.BatchNorm.batchNorm(xf.reshape(1, b * channels, -1), meanC, varC, w, bb, 1, 0f, eps, false)
                .singletonOrThrow().reshape(s); // (1, B·C, H·W) -> (B, C, H, W)
        return Ops.to(y, dt);
    }

    /** (C) -> (B·C) fp32, in {@code like}'s manager (a view when B = 1 and the weights are fp32). */
    private static NDArray perSample(NDArray p, long b, NDArray like) {
        NDArray r = b == 1 ? p.reshape(p.getShape()) : p.tile(b);
        r.attach(like.getManager());
        return Ops.to(r, DataType.FLOAT32); // fp16/bf16 weights: the fused pass runs in fp32
    }

    private Shape affineShape(Shape s) {
        long[] affine = new long[s.dimension() - 1];
        java.util.Arrays.fill(affine, 1);
        affine[0] = channels;
        return new Shape(affine);
    }
}
