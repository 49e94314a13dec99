package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a batch as one slice per core, each slice on one intra-op thread, instead of every op of the whole batch
 * split over the cores. On two cores a small GEMM (the text encoder's 154 × 768 rows, a UNet's 16×16 level) scales
 * poorly over libtorch's intra-op threads; two independent half-batches keep both cores busy with no
 * synchronisation between ops. Classifier-free guidance makes batch 2 the common case. Every op of these models is
 * per sample, so the results are one batched call's up to summation order (BatchParallelTest: within 1e-6).
 *
 * <p>Used by {@code CLIPTextModel.encode} and {@code UNet2DConditionModel.forward} when the batch has at least two
 * samples, libtorch has at least two intra-op threads, no profiler runs and (UNet) no attention hook is set; the
 * shapes trainer uses {@link #run} for its data-parallel step. Off with
 * {@code DLAB_BATCH_PARALLEL=0} or {@link #setEnabled(boolean)}.
 *
 * <pre>{@code
 * int parts = BatchParallel.parts(b);
 * NDArray out = parts > 1 ? BatchParallel.map(b, parts, (from, to) -> forwardOne(x.get(from + ":" + to))) : forwardOne(x);
 * }</pre>
 */
public final class BatchParallel {
    /** Environment switch: "0" turns batch-parallel inference off. */
    public static final String ENV = "DLAB_BATCH_PARALLEL";

    private static final Object LOCK = new Object();
    private static volatile boolean enabled = !"0".equals(System.getenv(ENV));
    private static ExecutorService pool;
    private static int poolSize;
    private static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();
    private static final ThreadLocal<Integer> RUNNING = ThreadLocal.withInitial(() -> 1);

    private BatchParallel() {}

    /** A half-open range of batch rows. */
    public interface Slice<T> {
        T apply(int from, int to);
    }

    /** Turns batch-parallel inference on or off (process-wide). */
    public static void setEnabled(boolean on) {
        enabled = on;
    }

    /** How many split calls {@link #run} has made in this process (a bench or test can see that the split ran). */
    public static long calls() {
        return CALLS.get();
    }

    /**
     * How many slices run at the same time as the calling thread's work: the slice count inside a slice, else 1. Memory
     * budgets per call (attention's score cap) divide by it, so the slices together stay within one call's peak.
     */
    public static int concurrentSlices() {
        return RUNNING.get();
    }

    /** Whether batch-parallel inference is on. */
    public static boolean enabled() {
        return enabled;
    }

    /**
     * How many slices a call over {@code batch} samples should use: min(batch, intra-op threads) when on and no
     * profiler runs (its counters are single-threaded); else 1.
     */
    public static int parts(long batch) {
        if (!enabled || batch < 2 || Profiler.active() != null) {
            return 1;
        }
        return (int) Math.min(batch, JniUtils.getNumThreads());
    }

    /**
     * Splits rows {@code [0, batch)} into {@code parts} near-equal slices, runs {@code f} on each on its own thread
     * with one intra-op thread (grad mode {@code grad} on that thread), and returns the results in slice order.
     * The intra-op thread count is restored afterwards; calls are serialised.
     */
    public static <T> List<T> run(long batch, int parts, boolean grad, Slice<T> f) {
        if (parts < 1 || parts > batch) {
            throw new IllegalArgumentException("parts " + parts + " for a batch of " + batch);
        }
        int[] bounds = bounds(batch, parts);
        if (RUNNING.get() > 1) { // already inside a slice: the slices run here, one after another (no nested pool, no deadlock)
            List<T> out = new ArrayList<>();
            for (int k = 0; k < parts; k++) {
                out.add(f.apply(bounds[k], bounds[k + 1]));
            }
            return out;
        }
        synchronized (LOCK) {
            CALLS.incrementAndGet();
            ExecutorService p = pool(parts);
            int threads = JniUtils.getNumThreads();
            JniUtils.setNumThreads(1);
            try {
                List<Future<T>> futures = new ArrayList<>();
                for (int k = 0; k < parts; k++) {
                    int from = bounds[k];
                    int to = bounds[k + 1];
                    futures.add(p.submit(() -> {
                        boolean before = JniUtils.isGradMode();
                        JniUtils.setGradMode(grad);
                        RUNNING.set(parts);
                        try {
                            return f.apply(from, to);
                        } finally {
                            RUNNING.set(1);
                            JniUtils.setGradMode(before);
                        }
                    }));
                }
                List<T> out = new ArrayList<>();
                RuntimeException failure = null;
                for (Future<T> fu : futures) { // wait for every slice, even after a failure, so none runs on
                    try {
                        out.add(fu.get());
                    } catch (ExecutionException e) {
                        Throwable c = e.getCause();
                        failure = failure != null ? failure : c instanceof RuntimeException r ? r : new IllegalStateException(c);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        failure = failure != null ? failure : new IllegalStateException("interrupted", e);
                    }
                }
                if (failure != null) {
                    throw failure;
                }
                return out;
            } finally {
                JniUtils.setNumThreads(threads);
            }
        }
    }

    /** The first row of each of {@code parts} near-equal slices of {@code batch} rows, then {@code batch}: slice k is [b[k], b[k+1]). */
    public static int[] bounds(long batch, int parts) {
        int[] b = new int[parts + 1];
        for (int k = 0; k <= parts; k++) {
            b[k] = (int) (batch * k / parts);
        }
        return b;
    }

    /** {@link #run} with the calling thread's grad mode. */
    public static <T> List<T> run(long batch, int parts, Slice<T> f) {
        return run(batch, parts, JniUtils.isGradMode(), f);
    }

    /**
     * {@link #run} with the calling thread's grad mode (autograd records a graph built on other threads like any
     * other, so a backward through the result reaches every slice), then the slices' arrays concatenated on axis 0.
     */
    public static NDArray map(long batch, int parts, Slice<NDArray> f) {
        return NDArrays.concat(new NDList(run(batch, parts, JniUtils.isGradMode(), f)), 0);
    }

    private static ExecutorService pool(int parts) {
        if (pool == null || poolSize < parts) {
            if (pool != null) {
                pool.shutdown();
            }
            pool = Executors.newFixedThreadPool(parts, r -> {
                Thread t = new Thread(r, "dlab-batch-parallel");
                t.setDaemon(true);
                return t;
            });
            poolSize = parts;
        }
        return pool;
    }
}
