package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Multi-head attention with the math of diffusers' classic {@code AttnProcessor}, used by every
 * network here: UNet self/cross attention ({@code to_q/to_k/to_v/to_out.0}), the VAE mid-block
 * attention (with {@code group_norm} and a residual) and CLIP's causal self-attention
 * ({@code q_proj/k_proj/v_proj/out_proj}).
 *
 * <p>{@code probs = softmax(scale·q·kᵀ [+ causal mask])}, computed in fp32 when upcasting is on and
 * the model runs in fp16/bf16. An {@link AttentionHook} sees (and may replace) {@code probs}; with no
 * hook there is no extra work.
 */
public final class Attention extends Module {
    /** Parameter naming of the projections. */
    public enum Naming { DIFFUSERS, CLIP }

    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear out;
    private final GroupNorm groupNorm;
    public final int heads;
    public final int dimHead;
    public final int queryDim;
    private final float scale;
    private final boolean upcastAttention;
    private final boolean upcastSoftmax;
    private final boolean causal;
    private AttentionHook hook;

    /**
     * @param crossDim key/value input size ({@code queryDim} for self-attention)
     * @param qkvBias whether q/k/v projections have a bias
     * @param groupNormGroups >0 adds diffusers' {@code group_norm} (VAE attention) with eps {@code eps}
     */
    public Attention(int queryDim, int crossDim, int heads, int dimHead, boolean qkvBias, boolean upcastAttention,
                     boolean upcastSoftmax, boolean causal, Naming naming, int groupNormGroups, float eps) {
        this.queryDim = queryDim;
        this.heads = heads;
        this.dimHead = dimHead;
        this.scale = (float) Math.pow(dimHead, -0.5);
        this.upcastAttention = upcastAttention;
        this.upcastSoftmax = upcastSoftmax;
        this.causal = causal;
        int inner = heads * dimHead;
        this.groupNorm = groupNormGroups > 0 ? child("group_norm", new GroupNorm(groupNormGroups, queryDim, eps)) : null;
        if (naming == Naming.CLIP) {
            this.k = child("k_proj", new Linear(crossDim, inner, qkvBias));
            this.v = child("v_proj", new Linear(crossDim, inner, qkvBias));
            this.q = child("q_proj", new Linear(queryDim, inner, qkvBias));
            this.out = child("out_proj", new Linear(inner, queryDim, true));
        } else {
            this.q = child("to_q", new Linear(queryDim, inner, qkvBias));
            this.k = child("to_k", new Linear(crossDim, inner, qkvBias));
            this.v = child("to_v", new Linear(crossDim, inner, qkvBias));
            ModuleList<Linear> toOut = child("to_out", new ModuleList<>());
            this.out = toOut.add(new Linear(inner, queryDim, true));
        }
    }

    /** Sets (or clears with null) the hook of this attention. */
    public void setHook(AttentionHook hook) {
        this.hook = hook;
    }

    /**
     * Attention of a token sequence: (B, N, queryDim) with optional context (B, M, crossDim)
     * (null = self-attention) -> (B, N, queryDim). {@code qh × qw = N} is the query's spatial size,
     * only reported to the hook.
     */
    public NDArray forward(NDArray x, NDArray context, int qh, int qw) {
        return Ops.scoped(x, h -> attend(h, context, qh, qw));
    }

    /** VAE-style spatial attention with group_norm and residual: (B, C, H, W) -> (B, C, H, W). */
    public NDArray forwardSpatial(NDArray x) {
        return Ops.scoped(x, in -> {
            Shape s = in.getShape();
            long b = s.get(0);
            long c = s.get(1);
            int hh = (int) s.get(2);
            int ww = (int) s.get(3);
            NDArray h = groupNorm != null ? groupNorm.forward(in) : in;
            h = h.reshape(b, c, (long) hh * ww).transpose(0, 2, 1); // (B, C, H, W) -> (B, HW, C)
            h = attend(h, null, hh, ww);
            h = h.transpose(0, 2, 1).reshape(s); // (B, HW, C) -> (B, C, H, W)
            return h.add(in);
        });
    }

    private NDArray attend(NDArray x, NDArray context, int qh, int qw) {
        return Profiler.time(Profiler.Kind.ATTENTION, () -> attendCore(x, context, qh, qw));
    }

    private NDArray attendCore(NDArray x, NDArray context, int qh, int qw) {
        Shape xs = x.getShape();
        long b = xs.get(0);
        long n = xs.get(1);
        NDArray ctx = context == null ? x : context;
        if (context != null) {
            // k/v results live in the context's manager: borrow it into this scope so they are freed with it
            context.tempAttach(x.getManager());
        }
        long m = ctx.getShape().get(1);
        DataType dt = x.getDataType();
        NDArray query = toHeads(q.forward(x), b, n);
        NDArray key = toHeads(k.forward(ctx), b, m);
        NDArray value = toHeads(v.forward(ctx), b, m);
        boolean reduced = Ops.isReduced(dt);
        if (upcastAttention && reduced) {
            query = query.toType(DataType.FLOAT32, false);
            key = key.toType(DataType.FLOAT32, false);
        }
        NDArray scores = Ops.mul(query.batchMatMul(key.transpose(0, 2, 1)), scale); // (BH, N, d)·(BH, d, M) -> (BH, N, M)
        if (causal) {
            scores = scores.add(causalMask(x, (int) n, scores.getDataType()));
        }
        if (upcastSoftmax && reduced) {
            scores = scores.toType(DataType.FLOAT32, false);
        }
        NDArray probs = Ops.to(scores.softmax(-1), dt);
        if (hook != null) {
            probs = hook.onAttention(new AttentionCall(path(), context != null, heads, (int) b, qh, qw, (int) m), probs);
        }
        NDArray o = probs.batchMatMul(value); // (BH, N, M)·(BH, M, d) -> (BH, N, d)
        o = o.reshape(b, heads, n, dimHead).transpose(0, 2, 1, 3).reshape(b, n, (long) heads * dimHead); // (BH, N, d) -> (B, N, H·d)
        return out.forward(o);
    }

    private NDArray toHeads(NDArray t, long b, long len) {
        // (B, L, H·d) -> (B, L, H, d) -> (B, H, L, d) -> (B·H, L, d)
        return t.reshape(b, len, heads, dimHead).transpose(0, 2, 1, 3).reshape(b * heads, len, dimHead);
    }

    private static NDArray causalMask(NDArray like, int n, DataType dt) {
        float[] mask = new float[n * n];
        float min = dt == DataType.FLOAT32 ? -Float.MAX_VALUE : (dt == DataType.FLOAT16 ? -65504f : -3.38e38f);
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                mask[i * n + j] = min;
            }
        }
        return Ops.constant(like.getManager(), mask, new Shape(1, n, n), dt);
    }
}
