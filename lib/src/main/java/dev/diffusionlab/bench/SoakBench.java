package dev.diffusionlab.bench;

import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.attention.AttentionCapture;
import dev.diffusionlab.attention.AttentionRun;
import dev.diffusionlab.attention.TokenHeatmaps;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./dlab bench soak}: many generations, then many attention captures, in one JVM with one loaded
 * pipeline, printing the resident set size (VmRSS) and the Java heap every {@code --every} runs. A native
 * leak shows as RSS growing run after run; the summary gives the growth after the warm-up (first report).
 * Not a timed test: run it with a bounded heap (DLAB_XMX=256m) so the Java heap cannot hide in the RSS.
 */
public final class SoakBench {
    private SoakBench() {}

    public static int run(String[] args) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println("usage: ./dlab bench soak [--model DIR] [--generations 100] [--captures 100] [--steps 4] [--every 10]\n"
                    + "  RSS (VmRSS) and Java heap printed every --every runs; default model: the embedded shapes-world model.\n"
                    + "  Use DLAB_XMX=256m ./dlab bench soak ... so that heap growth cannot look like a leak.");
            return 0;
        }
        Map<String, String> o = BenchSupport.options(args, "model", "generations", "captures", "steps", "every");
        Path model = o.containsKey("model") ? Path.of(o.get("model")) : DefaultModel.folder();
        int generations = count(o, "generations", "100");
        int captures = count(o, "captures", "100");
        int steps = count(o, "steps", "4");
        int every = count(o, "every", "10");
        if (generations < 0 || captures < 0 || steps < 1 || every < 1) {
            throw new IllegalArgumentException("--generations/--captures must be >= 0, --steps and --every >= 1");
        }
        Engines.Choice engine = Engines.start();
        System.out.printf(Locale.ROOT, "soak: %s, model %s, %d steps, max heap %d MiB%n", engine, model, steps,
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf(Locale.ROOT, "%-10s %6s %10s %10s%n", "phase", "runs", "RSS MiB", "heap MiB");
        List<Double> gen = new ArrayList<>();
        List<Double> cap = new ArrayList<>();
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(model, engine.device(), engine.dtype())) {
            report("start", 0, null);
            for (int i = 1; i <= generations; i++) {
                try (NDManager m = Engines.newManager()) {
                    sd.generate(GenerationRequest.of("a red circle on the left").steps(steps).seed(i), m);
                }
                if (i % every == 0) {
                    report("generate", i, gen);
                }
            }
            for (int i = 1; i <= captures; i++) {
                try (NDManager m = Engines.newManager(); AttentionCapture c = AttentionCapture.builder().build()) {
                    StableDiffusionPipeline.Result r = AttentionRun.generate(sd,
                            GenerationRequest.of("a blue square at the bottom").steps(steps).seed(i), m, c);
                    TokenHeatmaps.of(c.maps(), 0).words().size();
                    r.images().size();
                }
                if (i % every == 0) {
                    report("capture", i, cap);
                }
            }
        }
        summary("generations", gen);
        summary("captures", cap);
        return 0;
    }

    private static int count(Map<String, String> o, String key, String dflt) {
        String v = o.getOrDefault(key, dflt);
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, got '" + v + "'");
        }
    }

    private static void report(String phase, int runs, List<Double> series) {
        double rss = rssMiB();
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "%-10s %6d %10.1f %10.1f%n", phase, runs, rss, (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
        if (series != null) {
            series.add(rss);
        }
    }

    /** Growth over the whole phase and over its second half (after the warm-up: weights touched, heap grown to its working size). */
    private static void summary(String what, List<Double> s) {
        if (s.size() < 2) {
            return;
        }
        double first = s.get(0);
        double mid = s.get(s.size() / 2);
        double last = s.get(s.size() - 1);
        double max = s.subList(s.size() / 2, s.size()).stream().mapToDouble(Double::doubleValue).max().orElse(mid);
        double min = s.subList(s.size() / 2, s.size()).stream().mapToDouble(Double::doubleValue).min().orElse(mid);
        System.out.printf(Locale.ROOT, "%s: RSS %.1f -> %.1f MiB over the phase; second half %.1f -> %.1f MiB (%+.1f %%), "
                + "range %.1f..%.1f MiB (%.1f %% of its start)%n", what, first, last, mid, last, 100 * (last - mid) / mid,
                min, max, 100 * (max - min) / mid);
    }

    /** Current resident set size (VmRSS), in MiB; -1 where /proc is unavailable. */
    static double rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
