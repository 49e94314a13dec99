package dev.diffusionlab.nn;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Per-op profile of a forward pass ({@code ./dlab bench ... --profile}): wall time by module kind
 * (self time: a Linear inside an Attention counts as linear, not attention) and the number of
 * tensor-producing native calls. libtorch runs CPU ops synchronously, so the wall time around a
 * leaf module is its compute time.
 *
 * <p>Native calls are counted as distinct arrays that enter the managers of the profiled forward
 * (its root manager and every {@link Ops#scoped} scope): every DJL op that returns a tensor (views
 * included) creates one. In-place ops ({@code muli}) return no new array and are not counted.
 *
 * <pre>{@code
 * Profiler p = Profiler.start(manager);   // manager of the forward's inputs
 * unet.forward(x, t, ctx);
 * Profiler.Report r = p.stop(totalNanos);
 * }</pre>
 * With no profiler running, {@link #time} is a field read and a direct call.
 */
public final class Profiler {
    /** Module kinds of the profile. */
    public enum Kind {
        CONV("conv"), GROUP_NORM("group norm"), LAYER_NORM("layer norm"), ATTENTION("attention (scores, softmax, weighted sum)"),
        LINEAR("linear"), ELEMENTWISE("element-wise (activations, residual adds)"), OTHER("other (reshapes, sampling, embeddings, glue)");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private static volatile Profiler active;
    private static final Field RESOURCES;

    static {
        Field f;
        try {
            f = BaseNDManager.class.getDeclaredField("resources");
            f.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            f = null; // another DJL version: time by kind still works, the call count is reported as unavailable
        }
        RESOURCES = f;
    }

    private final EnumMap<Kind, long[]> self = new EnumMap<>(Kind.class); // kind -> {nanos, calls}
    private final ArrayDeque<long[]> frames = new ArrayDeque<>(); // {start, child nanos}
    private final Set<String> arrays = new HashSet<>();
    private boolean countable = RESOURCES != null;

    private Profiler() {
        for (Kind k : Kind.values()) {
            self.put(k, new long[2]);
        }
    }

    /** Starts profiling; {@code root} is the manager that holds the forward's inputs. */
    public static Profiler start(NDManager root) {
        Profiler p = new Profiler();
        active = p;
        p.track(root);
        return p;
    }

    /** The running profiler or null. */
    public static Profiler active() {
        return active;
    }

    /** Runs {@code f} and books its self time under {@code kind} when a profiler runs. */
    public static <T> T time(Kind kind, Supplier<T> f) {
        Profiler p = active;
        if (p == null) {
            return f.get();
        }
        p.frames.push(new long[] {System.nanoTime(), 0});
        try {
            return f.get();
        } finally {
            long[] fr = p.frames.pop();
            long el = System.nanoTime() - fr[0];
            long[] s = p.self.get(kind);
            s[0] += el - fr[1];
            s[1]++;
            long[] parent = p.frames.peek();
            if (parent != null) {
                parent[1] += el;
            }
        }
    }

    /** Called by {@link Ops#scoped} for each new scope: arrays created there are counted. */
    static void onNewManager(NDManager m) {
        Profiler p = active;
        if (p != null) {
            p.track(m);
        }
    }

    @SuppressWarnings("unchecked")
    private void track(NDManager m) {
        if (!countable || !(m instanceof BaseNDManager)) {
            countable = countable && m instanceof BaseNDManager;
            return;
        }
        try {
            ConcurrentHashMap<String, AutoCloseable> old = (ConcurrentHashMap<String, AutoCloseable>) RESOURCES.get(m);
            if (old instanceof Counting) {
                return;
            }
            Counting c = new Counting(this);
            c.putAll(old);
            RESOURCES.set(m, c);
        } catch (ReflectiveOperationException | RuntimeException e) {
            countable = false;
        }
    }

    /** A resources map that notes every array attached to its manager. */
    private static final class Counting extends ConcurrentHashMap<String, AutoCloseable> {
        private final transient Profiler owner;

        Counting(Profiler owner) {
            this.owner = owner;
        }

        @Override
        public AutoCloseable put(String key, AutoCloseable value) {
            if (value instanceof NDArray a && owner == active) {
                owner.arrays.add(a.getUid());
            }
            return super.put(key, value);
        }
    }

    /** Stops profiling; {@code totalNanos} is the forward's wall time (the rest is booked as "other"). */
    public Report stop(long totalNanos) {
        if (active == this) {
            active = null;
        }
        EnumMap<Kind, double[]> out = new EnumMap<>(Kind.class);
        long booked = 0;
        for (Map.Entry<Kind, long[]> e : self.entrySet()) {
            booked += e.getValue()[0];
        }
        for (Map.Entry<Kind, long[]> e : self.entrySet()) {
            long ns = e.getValue()[0] + (e.getKey() == Kind.OTHER ? Math.max(0, totalNanos - booked) : 0);
            out.put(e.getKey(), new double[] {ns / 1e6, e.getValue()[1]});
        }
        return new Report(out, totalNanos / 1e6, countable ? arrays.size() : -1);
    }

    /** Time (ms) and module calls by kind, the forward's total ms and its native calls (-1: not countable). */
    public record Report(EnumMap<Kind, double[]> byKind, double totalMs, long nativeCalls) {
        /** A small table, one line per kind. */
        public String format(String title) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "profile %s: %.1f ms per forward, %s tensor-producing native calls%n",
                    title, totalMs, nativeCalls < 0 ? "(uncountable)" : Long.toString(nativeCalls)));
            sb.append(String.format(Locale.ROOT, "  %-44s %10s %6s %8s%n", "kind", "ms", "%", "calls"));
            for (Map.Entry<Kind, double[]> e : byKind.entrySet()) {
                double[] v = e.getValue();
                sb.append(String.format(Locale.ROOT, "  %-44s %10.1f %5.1f%% %8s%n", e.getKey().label, v[0], 100 * v[0] / Math.max(1e-9, totalMs),
                        e.getKey() == Kind.OTHER ? "-" : Long.toString((long) v[1])));
            }
            return sb.toString();
        }
    }
}
