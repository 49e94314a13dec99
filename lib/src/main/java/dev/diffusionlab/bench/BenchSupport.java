package dev.diffusionlab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.Args;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.Model;
import dev.diffusionlab.nn.Profiler;
import dev.diffusionlab.nn.ConfigJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.IntConsumer;

/** Shared plumbing of the {@code ./dlab bench} cases: options, bundled configs, timing, peak RSS. */
public final class BenchSupport {
    private BenchSupport() {}

    /** Parses {@code --key value} pairs ({@code --profile} takes no value); the error names the bad argument. */
    public static Map<String, String> options(String[] args, String... allowed) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--profile") && Arrays.asList(allowed).contains("profile")) {
                out.put("profile", "true");
                continue;
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("bad argument '" + a + "' (expected --option value)");
            }
            String key = a.substring(2);
            if (!Arrays.asList(allowed).contains(key)) {
                throw new IllegalArgumentException("unknown option --" + key + " (allowed: --" + String.join(", --", allowed) + ")");
            }
            out.put(key, args[++i]);
        }
        return out;
    }

    /** The integer option {@code --key} of {@link #options}, or {@code dflt} when absent; the error names the option. */
    public static int intOption(Map<String, String> o, String key, int dflt) {
        String v = o.get(key);
        return v == null ? dflt : Args.parseInt(v, "--" + key);
    }

    /**
     * The options every network bench shares: {@code --config} (default sd15), {@code --height}/{@code --width}
     * (default 512), {@code --batch}, {@code --runs}, {@code --dtype} (default fp32).
     */
    public record NetOptions(String spec, boolean sized, int height, int width, int batch, int runs, DataType dtype,
                             Map<String, String> options) {
        /**
         * Parses {@code args}; {@code sized} false leaves out --height/--width (text encoder). Every network bench
         * also takes {@link #MEASURE_OPTIONS}; {@code own} names further options of one bench (kept in {@link #options()}).
         */
        public static NetOptions parse(String[] args, boolean sized, int defaultBatch, int defaultRuns, String... own) {
            List<String> allowed = new ArrayList<>(sized ? List.of("config", "height", "width", "dtype", "batch", "runs")
                    : List.of("config", "dtype", "batch", "runs"));
            allowed.addAll(List.of(own));
            Map<String, String> o = BenchSupport.options(args, withMeasureOptions(allowed.toArray(String[]::new)));
            return new NetOptions(o.getOrDefault("config", "sd15"), sized, intOption(o, "height", 512), intOption(o, "width", 512),
                    intOption(o, "batch", defaultBatch), intOption(o, "runs", defaultRuns), BenchSupport.dtype(o.getOrDefault("dtype", "fp32")), o);
        }

        /** The component's config of {@link #spec()} ({@link #config(String, String)}). */
        public ConfigJson config(String component) {
            return BenchSupport.config(spec, component);
        }
    }

    /** One timed forward of a network bench: build inputs in {@code m}, run the model, return any output. */
    @FunctionalInterface
    public interface Forward<M> {
        NDArray call(M model, NDManager m);
    }

    /**
     * The network benches' common run: starts the engine, builds the random-weight model, prints its size,
     * times {@code forward} ({@link #medianMs}: one warm-up, then {@code --runs}) with every array in a
     * per-call manager, and prints the result line. {@code input} describes the input (e.g. "latent 64x64").
     */
    public static <M extends Model> int timeForward(String what, NetOptions o, String input, BiFunction<Device, DataType, M> build,
                                                    Forward<M> forward) {
        Engines.Choice ch = Engines.startAndReport();
        long t0 = System.nanoTime();
        try (M model = build.apply(ch.device(), o.dtype())) {
            System.out.printf(Locale.ROOT, "%s %s: %.1f M parameters, built in %.1f s; %s, batch %d, %s%n", what, o.spec(),
                    model.numParameters() / 1e6, (System.nanoTime() - t0) / 1e9, input, o.batch(), o.dtype());
            String label = what + " " + o.spec() + " " + (o.sized() ? o.height() + "x" + o.width() + " " : "") + "batch " + o.batch() + " " + o.dtype();
            measure(label, o.options(), o.runs(), ch.device(), m -> forward.call(model, m).toType(DataType.FLOAT32, false).sum().getFloat());
        }
        return 0;
    }

    /** "fp32" / "fp16" / "bf16" -> DJL type. */
    public static DataType dtype(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> DataType.FLOAT32;
            case "fp16", "float16" -> DataType.FLOAT16;
            case "bf16", "bfloat16" -> DataType.BFLOAT16;
            default -> throw new IllegalArgumentException("--dtype " + s + " (supported: fp32, fp16, bf16)");
        };
    }

    /**
     * The JSON of a component config: "sd15"/"sd21" are bundled resources
     * ({@code dev/diffusionlab/configs/<name>/<component>.json}); anything else is a model folder
     * holding {@code <component>/config.json}.
     */
    public static ConfigJson config(String spec, String component) {
        if (spec.equals("sd15") || spec.equals("sd21")) {
            String res = "/dev/diffusionlab/configs/" + spec + "/" + component + ".json";
            try (InputStream in = BenchSupport.class.getResourceAsStream(res)) {
                if (in == null) {
                    throw new IllegalArgumentException("bundled config " + res + " missing");
                }
                return ConfigJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), res);
            } catch (IOException e) {
                throw new IllegalArgumentException(res + ": " + e.getMessage());
            }
        }
        Path p = Path.of(spec);
        Path f = Files.isRegularFile(p.resolve("config.json")) && !Files.isDirectory(p.resolve(component)) ? p.resolve("config.json")
                : p.resolve(component).resolve("config.json");
        return ConfigJson.read(f);
    }

    /** Runs one warm-up then {@code runs} timed calls; returns the median in ms. */
    public static double medianMs(int runs, IntConsumer call) {
        call.accept(-1);
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            call.accept(i);
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    }

    /** Peak resident set size from /proc/self/status (VmHWM), in MiB; -1 where unavailable. */
    public static double peakRssMiB() {
        return procStatusMiB("VmHWM");
    }

    /** True (after printing {@code usage}) when the first argument asks for help ({@code --help}, {@code -h}). */
    static boolean help(String[] args, String usage) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(usage);
            return true;
        }
        return false;
    }

    /** One kB figure of /proc/self/status ({@code VmHWM}, {@code VmRSS}...), in MiB; -1 where unavailable. */
    static double procStatusMiB(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The options every network bench takes besides its own: {@code --profile}, {@code --contention N}. */
    public static final String[] MEASURE_OPTIONS = {"profile", "contention"};

    /** Appends {@link #MEASURE_OPTIONS} to a bench's own option names. */
    public static String[] withMeasureOptions(String... own) {
        String[] all = Arrays.copyOf(own, own.length + MEASURE_OPTIONS.length);
        System.arraycopy(MEASURE_OPTIONS, 0, all, own.length, MEASURE_OPTIONS.length);
        return all;
    }

    /** One forward of a bench, its inputs made in {@code m} (closed after the call). */
    public interface Call {
        void run(ai.djl.ndarray.NDManager m);
    }

    /**
     * Times {@code forward} (one warm-up, {@code runs} timed calls, median) and prints the result line;
     * with {@code --contention N} times it again while N busy-loop processes that this bench starts
     * and stops compete for the cores, and with {@code --profile} prints a {@link Profiler} table of
     * one more forward.
     */
    public static void measure(String what, Map<String, String> o, int runs, ai.djl.Device device, Call forward) {
        System.out.println("threads: " + dev.diffusionlab.core.Engines.threadReport() + ", batch-parallel "
                + (dev.diffusionlab.nn.BatchParallel.enabled() ? "on (" + dev.diffusionlab.nn.BatchParallel.ENV + "=0 turns it off)" : "off"));
        System.out.println(dev.diffusionlab.core.Engines.mklReport());
        IntConsumer call = i -> {
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(device)) {
                forward.run(m);
            }
        };
        double quiet = medianMs(runs, call);
        report(what, quiet, runs);
        int busy = intOption(o, "contention", 0);
        if (busy < 0) {
            throw new IllegalArgumentException("--contention must be ≥ 0, got " + busy);
        }
        if (busy > 0) {
            java.util.List<Process> ps = new java.util.ArrayList<>();
            try {
                for (int k = 0; k < busy; k++) {
                    ps.add(new ProcessBuilder("sh", "-c", "while :; do :; done").redirectErrorStream(true).start());
                }
                double loaded = medianMs(runs, call);
                System.out.printf(Locale.ROOT, "%s under contention (%d busy-loop process%s running): median %.1f ms per forward over %d runs;"
                        + " %.2fx the quiet median%n", what, busy, busy == 1 ? "" : "es", loaded, runs, loaded / quiet);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("--contention: cannot start a busy-loop process: " + e.getMessage(), e);
            } finally {
                ps.forEach(Process::destroyForcibly);
            }
        }
        if (o.containsKey("profile")) {
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(device)) {
                Profiler p = Profiler.start(m);
                long t0 = System.nanoTime();
                try {
                    forward.run(m);
                } finally {
                    System.out.print(p.stop(System.nanoTime() - t0).format(what));
                }
            }
        }
    }

    /** The common result line. */
    public static void report(String what, double ms, int runs) {
        System.out.printf(Locale.ROOT, "%s: median %.1f ms per forward over %d runs (after 1 warm-up); peak RSS (VmHWM) %.0f MiB; threads: %d cores%n",
                what, ms, runs, peakRssMiB(), Runtime.getRuntime().availableProcessors());
    }
}
