package dev.diffusionlab.bench;

import dev.diffusionlab.core.Args;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.toy.Datasets2D;
import dev.diffusionlab.toy.ToyModel;
import dev.diffusionlab.toy.ToySampler;
import dev.diffusionlab.toy.ToyTrainer;
import java.util.Locale;
import java.util.Map;
import tech.tablesaw.api.Table;

/**
 * {@code ./dlab bench toy2d [--steps N] [--samples M]}: training steps per second (batch 256, the
 * default 3x128 MLP) and DDPM/DDIM sampling time on moons. Prints figures, asserts nothing.
 */
public final class ToyBench {
    private ToyBench() {}

    /** Runs the benchmark; returns the exit status. */
    public static int run(String[] args) {
        return Args.run("bench toy2d", "usage: ./dlab bench toy2d [--steps N (default 500)] [--samples M (default 1000)]", args,
                ToyBench::execute);
    }

    private static int execute(String[] args) {
        Map<String, String> o = BenchSupport.options(args, "steps", "samples");
        int steps = positive(BenchSupport.intOption(o, "steps", 500), "--steps");
        int samples = positive(BenchSupport.intOption(o, "samples", 1000), "--samples");
        System.out.println(Engines.start());
        System.out.println("threads: " + Runtime.getRuntime().availableProcessors() + " available processors");
        Table data = Datasets2D.moons(2000, 0);
        // warm-up: JIT and the native library's first calls
        ToyTrainer.train(data, ToyTrainer.Config.quick().withSteps(30).withProgress(false)).model().close();
        ToyTrainer.Result r = ToyTrainer.train(data, ToyTrainer.Config.quick().withSteps(steps).withProgress(false));
        System.out.printf(Locale.ROOT, "training: %d steps of batch 256 in %.2f s = %.1f steps/s%n", steps, r.seconds(), r.stepsPerSecond());
        try (ToyModel m = r.model()) {
            for (Object[] k : new Object[][] {{ToySampler.Kind.DDPM, 100}, {ToySampler.Kind.DDIM, 50}}) {
                long t0 = System.nanoTime();
                ToySampler.sample(m, (ToySampler.Kind) k[0], samples, (Integer) k[1], 1, null, 0);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "sampling %s: %d samples x %d steps in %.3f s (%.1f ms/step)%n", k[0], samples, k[1], s,
                        1000 * s / (Integer) k[1]);
            }
            long t0 = System.nanoTime();
            ToySampler.sample(m, ToySampler.Kind.DDIM, samples, 50, 1, m.labels().get(0), 3.0);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "sampling DDIM guided (2 forwards/step): %d samples x 50 steps in %.3f s%n", samples, s);
        }
        return 0;
    }

    private static int positive(int v, String option) {
        if (v <= 0) {
            throw new IllegalArgumentException(option + " must be a positive integer, got " + v);
        }
        return v;
    }
}
