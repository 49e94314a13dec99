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
    private int sliceSize;
    /** Largest score tensor computed at once when no slicing is set (512 MiB). */
    public static final long SCORE_BUDGET_BYTES = 512L << 20;

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

    /**
     * Attention slicing (diffusers' {@code set_attention_slice}): computes the (batch·heads) axis in
     * slices of {@code size}, so only size×N×M scores exist at once; 0 turns it off (then score
     * tensors over {@link #SCORE_BUDGET_BYTES} are still split). Same numbers; a running
     * {@link AttentionHook} sees the whole probabilities, so hooks turn slicing off. Inside a
     * {@link BatchParallel} call the size and the budget are shared by the slices running at once.
     */
    public void setSliceSize(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("attention slice size must be ≥ 0, got " + size);
        }
        this.sliceSize = size;
    }

    /** The slice size (0: no slicing). */
    public int sliceSize() {
        return sliceSize;
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
        NDArray qp = q.forward(x); // (B, N, H·d)
        // the softmax scale goes on q, not on the (BH, N, M) scores: N·M/(N·d) times fewer multiplies, no score-sized copy
        qp = Ops.inferenceOnly(qp) ? qp.muli(scalar(qp)) : Ops.mul(qp, scale);
        NDArray query = toHeads(qp, b, n);
        NDArray key = toHeads(k.forward(ctx), b, m);
        NDArray value = toHeads(v.forward(ctx), b, m);
        boolean reduced = Ops.isReduced(dt);
        if (upcastAttention && reduced) {
            query = query.toType(DataType.FLOAT32, false);
            key = key.toType(DataType.FLOAT32, false);
        }
        NDArray keyT = key.transpose(0, 2, 1); // (BH, M, d) -> (BH, d, M)
        long bh = b * heads;
        int slice = (int) bh;
        if (hook == null && sliceSize > 0) {
            slice = (int) Math.min(bh, Math.max(1, sliceSize / BatchParallel.concurrentSlices())); // concurrent slices share it
        } else if (hook == null) {
            // no slicing asked: still cap one score tensor at SCORE_BUDGET_BYTES (same numbers, half the peak memory
            // of a 512² batch-2 UNet's 16×4096×4096 self-attention, no measurable cost: each slice's matmul is large)
            long perMatrix = n * m * (upcastSoftmax || !reduced ? 4L : 2L);
            // slices of a batch-parallel call run at once: they share the budget
            long budget = SCORE_BUDGET_BYTES / BatchParallel.concurrentSlices();
            slice = (int) Math.max(1, Math.min(bh, budget / Math.max(1, perMatrix)));
        }
        NDArray o;
        if (slice == bh) {
            o = weighted(query, keyT, value, x, (int) n, dt, reduced, context != null, b, qh, qw, (int) m);
        } else {
            // diffusers' SlicedAttnProcessor: the (B·H) axis in slices, so only slice×N×M scores exist at a time
            ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
            for (long i = 0; i < bh; i += slice) {
                String r = i + ":" + Math.min(bh, i + slice);
                parts.add(weighted(query.get(r), keyT.get(r), value.get(r), x, (int) n, dt, reduced, false, b, qh, qw, (int) m));
            }
            o = ai.djl.ndarray.NDArrays.concat(parts, 0);
        }
        o = o.reshape(b, heads, n, dimHead).transpose(0, 2, 1, 3).reshape(b, n, (long) heads * dimHead); // (BH, N, d) -> (B, N, H·d)
        return out.forward(o);
    }

    /** softmax(q·kᵀ [+ mask])·v for (S, N, d), (S, d, M), (S, M, d) -> (S, N, d); frees the scores as soon as they are used. */
    private NDArray weighted(NDArray query, NDArray keyT, NDArray value, NDArray x, int n, DataType dt, boolean reduced, boolean cross,
                             long b, int qh, int qw, int m) {
        NDArray scores = query.batchMatMul(keyT); // (S, N, d)·(S, d, M) -> (S, N, M)
        if (causal) {
            NDArray mask = causalMask(x, n, scores.getDataType());
            if (Ops.inferenceOnly(scores)) {
                scores.addi(mask);
            } else {
                scores = scores.add(mask);
            }
        }
        if (upcastSoftmax && reduced) {
            scores = scores.toType(DataType.FLOAT32, false);
        }
        NDArray probs = Ops.to(scores.softmax(-1), dt);
        if (Ops.inferenceOnly(scores)) {
            scores.close(); // the largest buffer of the block: free it now, not at the end of the scope
        }
        if (hook != null) {
            probs = hook.onAttention(new AttentionCall(path(), cross, heads, (int) b, qh, qw, m), probs);
        }
        NDArray o = probs.batchMatMul(value); // (S, N, M)·(S, M, d) -> (S, N, d)
        if (hook == null && Ops.inferenceOnly(probs)) {
            probs.close();
        }
        return o;
    }

    private NDArray scalar(NDArray like) {
        // fp32 like the double torch would use for a Python scale (fp16 math reads a 0-dim fp32 operand in fp32)
        return like.getManager().full(new Shape(), scale, like.getDataType() == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32);
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
