package dev.diffusionlab.nn;

import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
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
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
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
    public interface Forward {
        void run(ai.djl.ndarray.NDManager m);
    }

    /**
     * Times {@code forward} (one warm-up, {@code runs} timed calls, median) and prints the result line;
     * with {@code --contention N} times it again while N busy-loop processes that this bench starts
     * and stops compete for the cores, and with {@code --profile} prints a {@link Profiler} table of
     * one more forward.
     */
    public static void measure(String what, Map<String, String> o, int runs, ai.djl.Device device, Forward forward) {
        System.out.println("threads: " + dev.diffusionlab.core.Engines.threadReport());
        IntConsumer call = i -> {
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(device)) {
                forward.run(m);
            }
        };
        double quiet = medianMs(runs, call);
        report(what, quiet, runs);
        int busy = Integer.parseInt(o.getOrDefault("contention", "0"));
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
