package dev.diffusionlab.core;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The one place that starts DJL's PyTorch engine: offline (the natives come from the
 * pytorch-native-cpu jar on the classpath, nothing is downloaded), CUDA when present, CPU otherwise.
 *
 * <pre>{@code
 * Engines.Choice c = Engines.start();        // "Diffusion Lab: PyTorch 2.7.1 on cpu(), float32"
 * try (NDManager m = Engines.newManager()) { ... }
 * }</pre>
 */
public final class Engines {
    private static volatile Choice choice;

    private Engines() {}

    /** The device and dtype the library uses by default. */
    public record Choice(String engine, String version, Device device, DataType dtype) {
        @Override
        public String toString() {
            return "Diffusion Lab: " + engine + " " + version + " on " + device + ", " + dtype;
        }
    }

    /** Starts the engine once (offline) and returns the default device and dtype. */
    public static Choice start() {
        Choice c = choice;
        if (c != null) {
            return c;
        }
        synchronized (Engines.class) {
            if (choice == null) {
                configureOffline();
                Engine engine = Engine.getEngine("PyTorch");
                Device device = engine.getGpuCount() > 0 ? Device.gpu() : Device.cpu();
                DataType dtype = device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
                choice = new Choice(engine.getEngineName(), engine.getVersion(), device, dtype);
            }
            return choice;
        }
    }

    /** Starts the engine and prints the single status line (device and dtype). */
    public static Choice startAndReport() {
        Choice c = start();
        System.out.println(c);
        return c;
    }

    /** A fresh NDManager on the default device; close it (try-with-resources) to free native memory. */
    public static NDManager newManager() {
        return NDManager.newBaseManager(start().device());
    }

    /** A fresh NDManager on the CPU, whatever the default device is. */
    public static NDManager newCpuManager() {
        start();
        return NDManager.newBaseManager(Device.cpu());
    }

    static void configureOffline() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.default_engine", "PyTorch");
        // DJL's usage telemetry is a network call; it is never wanted here.
        setIfAbsent("OPT_OUT_TRACKING", "true");
        // The CPU build logs a CUDA-driver warning at start; users see our one status line instead.
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.pytorch.jni.LibUtils", "error");
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        configureThreads();
    }

    /** Environment variable overriding the intra-op thread count (default: OMP_NUM_THREADS, else the cores). */
    public static final String THREADS_ENV = "DLAB_THREADS";
    /** Environment variable overriding the inter-op thread count (default 1: our graphs are sequential). */
    public static final String INTEROP_THREADS_ENV = "DLAB_INTEROP_THREADS";

    /**
     * Thread settings that hold up on a busy laptop. libtorch's OpenMP threads spin-wait between ops by
     * default; when another process competes for the cores every op then waits for a descheduled
     * spinner (a 5-9x slowdown measured on 2 cores). A passive wait policy must be in the process
     * environment before libtorch (and its libgomp) loads: {@code ./dlab}, the kernelspec and the tests
     * export it, and this sets it through libc's {@code setenv} for any other launcher (a value already
     * present wins, an empty one keeps libgomp's default). The intra-op count is explicit: {@code -Dai.djl.pytorch.num_threads}, else
     * {@value #THREADS_ENV}, else {@code OMP_NUM_THREADS}, else the available cores.
     */
    static void configureThreads() {
        if (System.getenv("OMP_WAIT_POLICY") == null) {
            try {
                com.sun.jna.Function.getFunction("c", "setenv").invokeInt(new Object[] {"OMP_WAIT_POLICY", "PASSIVE", 0});
            } catch (RuntimeException | LinkageError e) {
                // not on glibc: keep torch's default policy (./dlab and the kernelspec still set it)
            }
        }
        setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(threadCount(System.getenv(THREADS_ENV), System.getenv("OMP_NUM_THREADS"),
                Runtime.getRuntime().availableProcessors())));
        setIfAbsent("ai.djl.pytorch.num_interop_threads", Integer.toString(threadCount(System.getenv(INTEROP_THREADS_ENV), null, 1)));
    }

    /**
     * A positive integer from environment variable {@code name}, {@code fallback} when it is unset or blank; any other
     * value is refused with an error naming the variable (e.g. {@code DLAB_TRAIN_WORKERS}).
     */
    public static int positiveEnv(String name, int fallback) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a positive integer, got '" + v + "'");
    }

    /** The first of {@code override}, {@code omp} that is a positive integer, else {@code fallback}; a bad override is an error. */
    static int threadCount(String override, String omp, int fallback) {
        if (override != null && !override.isBlank()) {
            try {
                int n = Integer.parseInt(override.trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(THREADS_ENV + "/" + INTEROP_THREADS_ENV + " must be a positive integer, got '" + override + "'");
        }
        if (omp != null) {
            try {
                int n = Integer.parseInt(omp.trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // OpenMP ignores a malformed value too
            }
        }
        return Math.max(1, fallback);
    }

    /** The thread settings in effect, e.g. "2 intra-op threads, 1 inter-op, OMP_WAIT_POLICY=PASSIVE". */
    public static String threadReport() {
        start();
        String policy = null;
        try {
            com.sun.jna.Pointer p = (com.sun.jna.Pointer) com.sun.jna.Function.getFunction("c", "getenv")
                    .invoke(com.sun.jna.Pointer.class, new Object[] {"OMP_WAIT_POLICY"});
            policy = p == null ? null : p.getString(0);
        } catch (RuntimeException | LinkageError e) {
            policy = System.getenv("OMP_WAIT_POLICY");
        }
        return ai.djl.pytorch.jni.JniUtils.getNumThreads() + " intra-op threads, " + ai.djl.pytorch.jni.JniUtils.getNumInteropThreads()
                + " inter-op, OMP_WAIT_POLICY=" + (policy == null || policy.isEmpty() ? "(default: spin, then sleep)" : policy);
    }

    /** The file name scripts/mkl-amd.sh gives the MKL vendor fix (lib/src/main/native/mkl_amd.c). */
    public static final String MKL_AMD_LIBRARY = "libdlab_mkl_amd.so";

    /**
     * Which kernels MKL (libtorch's fp32 GEMM) runs here, e.g. "MKL: kernels by CPU features (AMD CPU,
     * libdlab_mkl_amd.so preloaded)". On AMD, MKL keeps an AVX2 path unless that library was preloaded
     * when the process started (./dlab, ./test.sh and the kernel do it; docs/performance.md).
     */
    public static String mklReport() {
        return mklReport(readQuietly("/proc/cpuinfo"), readQuietly("/proc/self/maps"));
    }

    static String mklReport(String cpuinfo, String maps) {
        if (!cpuinfo.contains("AuthenticAMD")) {
            return "MKL: its own kernel choice (not an AMD CPU)";
        }
        return maps.contains(MKL_AMD_LIBRARY)
                ? "MKL: kernels by CPU features (AMD CPU, " + MKL_AMD_LIBRARY + " preloaded)"
                : "MKL: AVX2 path on this AMD CPU (" + MKL_AMD_LIBRARY + " not preloaded: DLAB_MKL_AMD=0, no C compiler, "
                        + "or started without LD_PRELOAD=\"$(scripts/mkl-amd.sh)\"; docs/performance.md)";
    }

    /**
     * The allocator behind libtorch's tensors, e.g. "malloc: jemalloc (preloaded)". {@code ./dlab train-shapes} preloads
     * jemalloc when it is installed: a training step frees and re-allocates the same tensors, which glibc's malloc
     * hands back to the kernel and faults in again (docs/performance.md).
     */
    public static String mallocReport() {
        return mallocReport(readQuietly("/proc/self/maps"));
    }

    static String mallocReport(String maps) {
        return maps.contains("libjemalloc")
                ? "malloc: jemalloc (preloaded)"
                : "malloc: the C library's (./dlab train-shapes preloads jemalloc when installed: apt-get install libjemalloc2)";
    }

    private static String readQuietly(String file) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(file));
        } catch (java.io.IOException | RuntimeException e) {
            return "";  // not Linux: nothing to report beyond MKL's own choice
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
