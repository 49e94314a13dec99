package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.UnaryOperator;

/** Small tensor helpers shared by the networks (all keep results in the activation's manager). */
public final class Ops {
    private Ops() {}

    /**
     * Runs {@code f} on {@code x} inside a sub-manager of x's manager and keeps only the result:
     * intermediates of a block are freed as soon as the block is done, so a full-size UNet forward
     * holds only the skip connections, not every activation.
     */
    public static NDArray scoped(NDArray x, UnaryOperator<NDArray> f) {
        NDManager parent = x.getManager();
        try (NDManager sub = parent.newSubManager()) {
            x.tempAttach(sub);
            NDArray out = f.apply(x);
            out.attach(parent);
            return out;
        }
    }

    /**
     * A constant from Java data, in memory torch owns. DJL wraps the Java buffer of
     * {@code manager.create(float[])} without copying; autograd may keep that tensor for the backward
     * pass after the array is closed, and then reads freed memory (seen as random NaN in training).
     */
    public static NDArray constant(NDManager manager, float[] data, Shape shape, DataType dtype) {
        try (NDArray wrapped = manager.create(data, shape)) {
            return wrapped.toType(dtype, true);
        }
    }

    /** A reshaped view of a parameter that belongs to {@code like}'s manager (not the weights'). */
    public static NDArray view(NDArray param, NDArray like, Shape shape) {
        NDArray v = param.reshape(shape);
        v.attach(like.getManager());
        return v;
    }

    /** True for fp16/bf16. */
    public static boolean isReduced(DataType t) {
        return t == DataType.FLOAT16 || t == DataType.BFLOAT16;
    }

    /** {@code x} converted to {@code t} (the same array when it already is). */
    public static NDArray to(NDArray x, DataType t) {
        return x.getDataType() == t ? x : x.toType(t, false);
    }
}
