package dev.diffusionlab.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.attention.LayerFilter;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.shapes.ShapesEval;
import dev.diffusionlab.shapes.ShapesReport;
import dev.diffusionlab.shapes.ShapesWorld;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * {@code ./dlab eval-shapes [--model DIR] [--samples N] ...}: generates captions of the shapes world,
 * reads the images back and scores the attention maps; writes a report (HTML page with a grid of generations and
 * their verdicts and a bar chart of the accuracy per attribute, plus the tables as text and CSV), prints the
 * accuracy and faithfulness tables and ends with the line "N passed, M failed" over the targets (exit status 1
 * when one failed).
 */
public final class EvalShapesCommand {
    private EvalShapesCommand() {}

    static final String HELP = """
            usage: ./dlab eval-shapes [options]

            Caption accuracy (colour, shape, position, size, count) of a shapes-world model at several guidance scales,
            on held-in and held-out captions, and the faithfulness of its cross-attention maps (pointing game, top-k IoU).

              --model DIR        diffusers folder (default: $DLAB_MODEL, else the trained shapes-world model
                                 toy-data/models/shapes-world, or its copy shipped in the library jar)
              --samples N        captions per split (default 100)
              --guidance LIST    comma-separated guidance scales (default 1,3,7.5)
              --steps N          denoising steps (default 25)
              --seed S           seed of the starting noise (default 0)
              --levels LIST      score only the attention maps of these resolution levels (1 = latent size, 2 = half, …;
                                 default: every cross-attention layer)
              --out DIR          where the report goes (default eval-shapes-report): report.html with grid.png (generations
                                 with their verdicts) and accuracy.png (bar chart per attribute), report.txt (the tables
                                 printed here), quality.csv, attention.csv, targets.csv""";

    /** Runs the command; returns the exit status. */
    public static int run(String[] args) {
        return Args.run("eval-shapes", HELP, args, EvalShapesCommand::execute);
    }

    private static int execute(String[] args) {
        Args.Options opts = Args.options(args, Set.of("--model", "--out", "--samples", "--steps", "--seed", "--levels", "--guidance"), Set.of());
        ShapesEval.Config d = ShapesEval.Config.defaults(100);
        Path model = opts.path("--model", null);
        Path out = opts.path("--out", Path.of("eval-shapes-report"));
        int samples = opts.integer("--samples", d.samples());
        double[] guidances = opts.numbers("--guidance", d.guidances());
        int steps = opts.integer("--steps", d.steps());
        long seed = opts.longValue("--seed", d.seed());
        LayerFilter layers = opts.has("--levels") ? LayerFilter.all().resolutions(opts.ints("--levels", null)) : LayerFilter.all();
        ShapesEval.Config config = new ShapesEval.Config(samples, guidances, steps, seed, ShapesWorld.Config.defaults(), layers);
        Path dir = model != null ? model : DefaultModel.folder();
        dev.diffusionlab.core.Outputs.checkDir(out, "--out");
        Engines.startAndReport();
        ShapesEval.Report r;
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(dir, Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newCpuManager()) {
            if (sd.vaeScaleFactor() * sd.unet().config().sampleSize() != config.world().size()) {
                throw new IllegalArgumentException(dir + " makes " + sd.vaeScaleFactor() * sd.unet().config().sampleSize()
                        + "-pixel images, the shapes world is " + config.world().size() + " pixels: not a shapes-world model");
            }
            System.out.println("model " + dir + ": " + samples + " captions per split, guidance " + Arrays.toString(guidances)
                    + ", " + steps + " steps, seed " + seed);
            r = ShapesEval.run(sd, config, m);
        }
        String title = "model " + dir + ", " + samples + " captions per split, guidance " + Arrays.toString(guidances)
                + ", " + steps + " steps, seed " + seed;
        dev.diffusionlab.core.Outputs.writeDir(out, tmp -> {
            r.qualityTable().write().csv(tmp.resolve("quality.csv").toString());
            r.attentionTable().write().csv(tmp.resolve("attention.csv").toString());
            r.targetTable().write().csv(tmp.resolve("targets.csv").toString());
            ShapesReport.write(r, tmp, title);
        });
        System.out.println("wrote " + out.resolve("report.html") + " (grid.png: generations with verdicts, accuracy.png: per attribute),"
                + " report.txt and the tables as CSV");
        System.out.print(r.text());
        return r.failed() == 0 ? 0 : 1;
    }
}
