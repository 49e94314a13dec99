package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.UnaryOperator;

/** Small tensor helpers shared by the networks (all keep results in the activation's manager). */
public final class Ops {
    private Ops() {}

    /** The four sizes of an image-like activation (B, C, H, W). */
    public record Nchw(long batch, long channels, int height, int width) {
        /** The sizes of {@code x}, which must be 4-D. */
        public static Nchw of(NDArray x) {
            Shape s = x.getShape();
            return new Nchw(s.get(0), s.get(1), (int) s.get(2), (int) s.get(3));
        }

        /** H·W, the number of spatial positions. */
        public long positions() {
            return (long) height * width;
        }
    }

    /**
     * Runs {@code f} on {@code x} inside a sub-manager of x's manager and keeps only the result:
     * intermediates of a block are freed as soon as the block is done, so a full-size UNet forward
     * holds only the skip connections, not every activation.
     */
    public static NDArray scoped(NDArray x, UnaryOperator<NDArray> f) {
        NDManager parent = x.getManager();
        try (NDManager sub = parent.newSubManager()) {
            Profiler.onNewManager(sub);
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
            return copy(wrapped, dtype);
        }
    }

    /**
     * A copy of {@code x} as {@code dtype} in new torch-owned memory, in {@code x}'s manager. DJL's
     * {@code toType(sameType, true)} does NOT copy (torch's {@code to()} returns the same storage), so
     * a "copy" of an array made from Java data would still read that Java buffer after it is freed —
     * in training this showed as weights turning NaN once the garbage collector ran.
     */
    public static NDArray copy(NDArray x, DataType dtype) {
        return x.getDataType() == dtype ? x.duplicate() : x.toType(dtype, false);
    }

    /**
     * {@code x · s} with the scalar in torch-owned memory. DJL's {@code x.mul(0.5)} wraps the number in
     * a Java buffer and closes it at once, yet autograd keeps that tensor to compute x's gradient: once
     * the garbage collector frees the buffer the backward pass reads freed memory (random NaN weights
     * in training). Every scalar product or quotient on a path that may be trained goes through here.
     */
    public static NDArray mul(NDArray x, double s) {
        try (NDArray c = scalar(x, s)) {
            return x.mul(c);
        }
    }

    /** {@code x / s}, for the same reason as {@link #mul(NDArray, double)}. */
    public static NDArray div(NDArray x, double s) {
        try (NDArray c = scalar(x, s)) {
            return x.div(c);
        }
    }

    private static NDArray scalar(NDArray x, double s) {
        // fp32 like the double DJL would pass (torch reads a 0-dim operand in fp32 for fp16/fp32 math)
        DataType t = x.getDataType() == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
        return x.getManager().full(new Shape(), (float) s, t);
    }

    /** A reshaped view of a parameter that belongs to {@code like}'s manager (not the weights'). */
    public static NDArray view(NDArray param, NDArray like, Shape shape) {
        NDArray v = param.reshape(shape); // e.g. (C) -> (1, C, 1, 1) to broadcast over (B, C, H, W)
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

    /** DJL's native layer norm entry, which takes 0 for "no weight, no bias"; its Java wrapper insists on both. */
    private static final Object[] LAYER_NORM = layerNormEntry(); // {library, method} or null

    private static Object[] layerNormEntry() {
        try {
            Class<?> lib = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            java.lang.reflect.Field f = lib.getDeclaredField("LIB");
            f.setAccessible(true);
            java.lang.reflect.Method m = lib.getDeclaredMethod("torchNNLayerNorm", long.class, long[].class, long.class, long.class, double.class);
            m.setAccessible(true);
            return new Object[] {f.get(null), m};
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // another DJL version: the identity affine below
        }
    }

    /**
     * torch's layer_norm over the last dimension of {@code x} (…, n) with no affine, autograd-tracked. Without
     * weights the backward skips the two reductions of an affine's gradients, which a group norm (its own
     * per-channel affine follows) would throw away.
     */
    static NDArray layerNormNoAffine(NDArray x, long n, float eps) {
        if (LAYER_NORM != null && x instanceof ai.djl.pytorch.engine.PtNDArray pt) {
            try {
                long handle = (long) ((java.lang.reflect.Method) LAYER_NORM[1]).invoke(LAYER_NORM[0], pt.getHandle(), new long[] {n}, 0L, 0L, (double) eps);
                return new ai.djl.pytorch.engine.PtNDArray(pt.getManager(), handle);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
        NDArray[] unit = unitAffine(n, x.getDevice());
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(n), unit[0], unit[1], eps).singletonOrThrow();
    }

    private static final java.util.concurrent.ConcurrentHashMap<String, NDArray[]> UNIT = new java.util.concurrent.ConcurrentHashMap<>();
    private static volatile NDManager unitManager;

    /**
     * fp32 ones and zeros of length {@code n} (an identity affine for a fused layer norm used as a
     * group norm), made once per length and device and kept for the life of the process. Torch-owned
     * memory, never trained.
     */
    static NDArray[] unitAffine(long n, ai.djl.Device device) {
        return UNIT.computeIfAbsent(n + "@" + device, k -> {
            NDManager m = unitManager;
            if (m == null) {
                synchronized (Ops.class) {
                    if (unitManager == null) {
                        unitManager = NDManager.newBaseManager(device);
                    }
                    m = unitManager;
                }
            }
            return new NDArray[] {m.ones(new Shape(n), DataType.FLOAT32, device), m.zeros(new Shape(n), DataType.FLOAT32, device)};
        });
    }

    /**
     * True when none of {@code arrays} takes part in autograd, so an op may overwrite its own fresh
     * result in place (a training forward keeps the out-of-place op autograd needs).
     */
    public static boolean inferenceOnly(NDArray... arrays) {
        if (recording()) {
            return false;
        }
        for (NDArray a : arrays) {
            // asks torch each time: DJL's hasGradient() caches its first answer per array object, which can
            // be stale for activations that join the autograd graph later (textual inversion's frozen UNet)
            boolean grad = a instanceof ai.djl.pytorch.engine.PtNDArray pt ? ai.djl.pytorch.jni.JniUtils.requiresGrad(pt) : a.hasGradient();
            if (grad) {
                return false;
            }
        }
        return true;
    }

    private static final java.util.concurrent.atomic.AtomicBoolean COLLECTING = collectingFlag();

    /**
     * True while a DJL GradientCollector is open (autograd records): activations of a frozen network can then
     * still carry gradients to a trainable input (textual inversion), so fused inference-only kernels must not be used.
     */
    static boolean recording() {
        return COLLECTING != null && COLLECTING.get();
    }

    private static java.util.concurrent.atomic.AtomicBoolean collectingFlag() {
        // DJL 0.36 keeps this state in a private static of PtGradientCollector and has no public accessor
        try {
            java.lang.reflect.Field f = ai.djl.pytorch.engine.PtGradientCollector.class.getDeclaredField("isCollecting");
            f.setAccessible(true);
            return (java.util.concurrent.atomic.AtomicBoolean) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
