package dev.diffusionlab.bench;

import dev.diffusionlab.core.Engines;
import dev.diffusionlab.toy.Datasets2D;
import dev.diffusionlab.toy.ToyModel;
import dev.diffusionlab.toy.ToySampler;
import dev.diffusionlab.toy.ToyTrainer;
import java.util.Locale;
import tech.tablesaw.api.Table;

/**
 * {@code ./dlab bench toy2d [--steps N] [--samples M]}: training steps per second (batch 256, the
 * default 3x128 MLP) and DDPM/DDIM sampling time on moons. Prints figures, asserts nothing.
 */
public final class ToyBench {
    private ToyBench() {}

    /** Runs the benchmark; returns the exit status. */
    public static int run(String[] args) {
        int steps = 500;
        int samples = 1000;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                System.out.println("usage: ./dlab bench toy2d [--steps N (default 500)] [--samples M (default 1000)]");
                return 0;
            }
            if (i + 1 >= args.length) {
                System.err.println("bench toy2d: option " + args[i] + " needs a value");
                return 2;
            }
            try {
                int v = Integer.parseInt(args[++i]);
                if (v <= 0) {
                    throw new NumberFormatException();
                }
                switch (args[i - 1]) {
                    case "--steps": steps = v; break;
                    case "--samples": samples = v; break;
                    default:
                        System.err.println("bench toy2d: unknown option '" + args[i - 1] + "'");
                        return 2;
                }
            } catch (NumberFormatException e) {
                System.err.println("bench toy2d: " + args[i - 1] + " must be a positive integer, got '" + args[i] + "'");
                return 2;
            }
        }
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
}
