package dev.diffusionlab.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusionlab.nn.Attention;
import dev.diffusionlab.nn.Conv2d;
import dev.diffusionlab.nn.FeedForward;
import dev.diffusionlab.nn.GroupNorm;
import dev.diffusionlab.nn.LayerNorm;
import dev.diffusionlab.nn.Linear;
import dev.diffusionlab.nn.Module;
import dev.diffusionlab.nn.ModuleList;
import dev.diffusionlab.nn.Ops;

/**
 * diffusers' Transformer2DModel (continuous input): GroupNorm (eps 1e-6), proj_in (1×1 conv, or
 * linear when {@code use_linear_projection}), BasicTransformerBlocks, proj_out, plus the input.
 */
public final class Transformer2DModel extends Module {
    private final GroupNorm norm;
    private final boolean linear;
    private final Module projIn;
    private final Module projOut;
    private final ModuleList<BasicTransformerBlock> blocks;
    private final int inner;

    public Transformer2DModel(int heads, int headDim, int in, int layers, int crossDim, int groups, boolean useLinearProjection,
                              boolean upcastAttention) {
        this.linear = useLinearProjection;
        this.inner = heads * headDim;
        norm = child("norm", new GroupNorm(groups, in, 1e-6f));
        projIn = child("proj_in", linear ? new Linear(in, inner, true) : new Conv2d(in, inner, 1, 1, 0));
        blocks = child("transformer_blocks", new ModuleList<>());
        for (int i = 0; i < layers; i++) {
            blocks.add(new BasicTransformerBlock(inner, heads, headDim, crossDim, upcastAttention));
        }
        projOut = child("proj_out", linear ? new Linear(inner, in, true) : new Conv2d(inner, in, 1, 1, 0));
    }

    /** (B, C, H, W), context (B, 77, crossDim) -> (B, C, H, W). */
    public NDArray forward(NDArray x, NDArray context) {
        return Ops.scoped(x, in -> {
            Ops.Nchw s = Ops.Nchw.of(in);
            NDArray h = norm.forward(in);
            if (linear) {
                h = h.transpose(0, 2, 3, 1).reshape(s.batch(), s.positions(), s.channels()); // (B, C, H, W) -> (B, HW, C)
                h = ((Linear) projIn).forward(h);
            } else {
                h = ((Conv2d) projIn).forward(h);
                h = h.transpose(0, 2, 3, 1).reshape(s.batch(), s.positions(), inner); // (B, I, H, W) -> (B, HW, I)
            }
            for (BasicTransformerBlock blk : blocks.items()) {
                h = blk.forward(h, context, s.height(), s.width());
            }
            if (linear) {
                h = ((Linear) projOut).forward(h);
                h = h.reshape(s.batch(), s.height(), s.width(), s.channels()).transpose(0, 3, 1, 2); // (B, HW, C) -> (B, C, H, W)
            } else {
                h = h.reshape(s.batch(), s.height(), s.width(), inner).transpose(0, 3, 1, 2); // (B, HW, I) -> (B, I, H, W)
                h = ((Conv2d) projOut).forward(h);
            }
            return h.add(in);
        });
    }

    /** Self-attention, cross-attention, GEGLU feed-forward, each pre-LayerNorm with a residual. */
    static final class BasicTransformerBlock extends Module {
        private final LayerNorm norm1;
        private final Attention attn1;
        private final LayerNorm norm2;
        private final Attention attn2;
        private final LayerNorm norm3;
        private final FeedForward ff;

        BasicTransformerBlock(int dim, int heads, int headDim, int crossDim, boolean upcast) {
            norm1 = child("norm1", new LayerNorm(dim, 1e-5f));
            attn1 = child("attn1", new Attention(dim, dim, heads, headDim, false, upcast, false, false, Attention.Naming.DIFFUSERS, 0, 0f));
            norm2 = child("norm2", new LayerNorm(dim, 1e-5f));
            attn2 = child("attn2", new Attention(dim, crossDim, heads, headDim, false, upcast, false, false, Attention.Naming.DIFFUSERS, 0, 0f));
            norm3 = child("norm3", new LayerNorm(dim, 1e-5f));
            ff = child("ff", new FeedForward(dim, 4));
        }

        NDArray forward(NDArray x, NDArray context, int hh, int ww) {
            return Ops.scoped(x, in -> {
                NDArray h = in.add(attn1.forward(norm1.forward(in), null, hh, ww));
                h = h.add(attn2.forward(norm2.forward(h), context, hh, ww));
                return h.add(ff.forward(norm3.forward(h)));
            });
        }
    }
}
