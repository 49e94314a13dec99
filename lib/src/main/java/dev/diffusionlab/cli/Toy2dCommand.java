package dev.diffusionlab.cli;

import dev.diffusionlab.core.Engines;
import dev.diffusionlab.image.Images;
import dev.diffusionlab.toy.Datasets2D;
import dev.diffusionlab.toy.PointMetrics;
import dev.diffusionlab.toy.ToyModel;
import dev.diffusionlab.toy.ToyPlots;
import dev.diffusionlab.toy.ToySampler;
import dev.diffusionlab.toy.ToyTrainer;
import dev.diffusionlab.toy.Trajectories;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.diffusionlab.core.Outputs;
import java.util.List;
import java.util.Locale;
import tech.tablesaw.api.Table;

/**
 * {@code ./dlab toy2d (--dataset NAME | --data FILE) --steps N --samples M --seed S --out samples.csv}:
 * trains the toy model, writes samples as CSV (header x,y, the data's own coordinates) with a PNG scatter of the
 * data and the samples beside it, and prints
 * the sliced Wasserstein distance to the data against the untrained baseline.
 */
public final class Toy2dCommand {
    private Toy2dCommand() {}

    static final String HELP = String.join("\n",
            "usage: ./dlab toy2d (--dataset NAME | --data FILE) [options]",
            "",
            "Trains the toy 2D diffusion model, samples it, writes the samples and prints the distance to the data.",
            "",
            "  --dataset NAME     built-in dataset: " + String.join(", ", Datasets2D.NAMES),
            "  --data FILE        CSV or TSV (.tsv) with numeric columns x, y (optional label)",
            "  --points N         points of a built-in dataset (default 2000)",
            "  --steps N          training steps (default 1500)",
            "  --samples M        samples to draw (default 1000)",
            "  --seed S           seed for data, weights, noise (default 0)",
            "  --sampler KIND     ddpm (default) or ddim",
            "  --inference-steps K  sampler steps (default 100 = all timesteps)",
            "  --label L          guide samples to label L (classifier-free guidance)",
            "  --guidance W       guidance scale (default 3 with --label)",
            "  --out FILE         samples CSV (default samples.csv); a PNG scatter of data and samples goes beside it",
            "                     (samples.png)",
            "  --save DIR         also save the trained model",
            "",
            "Distances are sliced Wasserstein-2 in standardised units (data mean 0, std 1 per axis).");

    /** Runs the command; returns the exit status. */
    public static int run(String[] args) {
        return Args.run("toy2d", HELP, args, Toy2dCommand::execute);
    }

    private static int execute(String[] args) {
        String dataset = null;
        Path file = null;
        int points = 2000;
        int steps = 1500;
        int samples = 1000;
        long seed = 0;
        String sampler = "ddpm";
        int inferenceSteps = -1;
        String label = null;
        double guidance = Double.NaN;
        Path out = Path.of("samples.csv");
        Path save = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value (see ./dlab toy2d --help)");
            }
            String v = args[++i];
            switch (a) {
                case "--dataset": dataset = v; break;
                case "--data": file = Path.of(v); break;
                case "--points": points = positive(a, v); break;
                case "--steps": steps = positive(a, v); break;
                case "--samples": samples = positive(a, v); break;
                case "--seed": seed = parseLong(a, v); break;
                case "--sampler": sampler = v; break;
                case "--inference-steps": inferenceSteps = positive(a, v); break;
                case "--label": label = v; break;
                case "--guidance": guidance = parseDouble(a, v); break;
                case "--out": out = Path.of(v); break;
                case "--save": save = Path.of(v); break;
                default:
                    throw new IllegalArgumentException("unknown option '" + a + "' (see ./dlab toy2d --help)");
            }
        }
        if ((dataset == null) == (file == null)) {
            throw new IllegalArgumentException("give exactly one of --dataset NAME or --data FILE");
        }
        // refuse before training: an unwritable --out would otherwise be found after all the compute
        Outputs.checkFile(out, "--out", List.of("csv"));
        if (save != null) {
            Outputs.checkDir(save, "--save");
        }
        for (Object[] o : new Object[][] {{"--steps", steps, MAX_STEPS}, {"--samples", samples, MAX_POINTS}, {"--points", points, MAX_POINTS}}) {
            if ((int) o[1] > (int) o[2]) {
                throw new IllegalArgumentException(o[0] + " = " + o[1] + ": expected an integer in [1, " + o[2] + "]");
            }
        }
        if (!Double.isFinite(guidance) && !Double.isNaN(guidance)) {
            throw new IllegalArgumentException("--guidance = " + guidance + ": expected a finite number");
        }
        ToySampler.Kind kind = ToySampler.Kind.parse(sampler);
        if (Double.isNaN(guidance)) {
            guidance = label == null ? 0 : 3;
        }
        Table data = dataset != null ? Datasets2D.byName(dataset, points, seed) : Datasets2D.load(file);
        ToyTrainer.Config cfg = ToyTrainer.Config.quick().withSteps(steps).withSeed(seed);
        if (label != null) {
            String l = label;
            // fail before training, not after
            if (!ToyTrainer.labelsOf(data, cfg).contains(l)) {
                throw new IllegalArgumentException("guidance label '" + l + "' was not in the training data (labels: "
                        + String.join(", ", ToyTrainer.labelsOf(data, cfg)) + ")");
            }
        }
        System.out.println(Engines.start());
        System.out.printf(Locale.ROOT, "toy2d: %d points of %s, %d training steps, %d samples (%s)%n", data.rowCount(),
                dataset != null ? dataset : file, steps, samples, kind.name().toLowerCase(Locale.ROOT));
        ToyTrainer.Result r = ToyTrainer.train(data, cfg);
        int k = inferenceSteps > 0 ? inferenceSteps : cfg.spec().numTrainTimesteps();
        try (ToyModel model = r.model(); ToyModel base = ToyTrainer.untrained(data, cfg)) {
            Trajectories tr = ToySampler.sample(model, kind, samples, k, seed + 1000, label, guidance);
            Trajectories tb = ToySampler.sample(base, kind, samples, k, seed + 1000, label, guidance);
            float[][] x = model.standardizer().normalize(Datasets2D.xy(data));
            double trained = PointMetrics.slicedWasserstein(tr.end(), x);
            double untrained = PointMetrics.slicedWasserstein(tb.end(), x);
            double noise = PointMetrics.slicedWasserstein(ToySampler.noise(samples, seed + 1000), x);
            writeCsv(out, tr.samples());
            Path png = pngBeside(out);
            Images.savePng(ToyPlots.image(ToyPlots.dataAndSamples(String.format(Locale.ROOT, "%s: %d samples after %d training steps",
                    dataset != null ? dataset : file.getFileName(), samples, steps), data, tr.samples())), png);
            System.out.printf(Locale.ROOT, "%ntrained in %.1f s (%.0f steps/s), final loss %.4f%n", r.seconds(), r.stepsPerSecond(),
                    r.loss().doubleColumn("ema").get(r.loss().rowCount() - 1));
            System.out.printf(Locale.ROOT, "sliced Wasserstein to the data: trained %.4f | untrained baseline %.4f | N(0,I) noise %.4f%n",
                    trained, untrained, noise);
            System.out.printf(Locale.ROOT, "wrote %d samples to %s and the scatter plot to %s%n", samples, out, png);
            if (save != null) {
                Outputs.writeDir(save, model::save);
                System.out.println("saved model to " + save);
            }
        }
        return 0;
    }

    /** {@code samples.csv} -> {@code samples.png} in the same folder (any other name: {@code name.png}). */
    static Path pngBeside(Path csv) {
        String name = csv.getFileName().toString();
        String stem = name.toLowerCase(Locale.ROOT).endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
        return csv.resolveSibling(stem + ".png");
    }

    static void writeCsv(Path out, float[][] pts) {
        Outputs.writeFile(out, tmp -> {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8))) {
                w.println("x,y");
                for (float[] p : pts) {
                    w.println(p[0] + "," + p[1]);
                }
                if (w.checkError()) {
                    throw new IOException("write failed");
                }
            }
        });
    }

    /** Training steps and point counts above these are refused (Ctrl-C was the only way to stop them). */
    static final int MAX_STEPS = 1_000_000;
    static final int MAX_POINTS = 1_000_000;

    static int positive(String opt, String v) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " must be a positive integer, got '" + v + "'");
        }
        if (n <= 0) {
            throw new IllegalArgumentException(opt + " must be positive, got " + n);
        }
        return n;
    }

    static long parseLong(String opt, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " must be an integer, got '" + v + "'");
        }
    }

    static double parseDouble(String opt, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " must be a number, got '" + v + "'");
        }
    }
}
