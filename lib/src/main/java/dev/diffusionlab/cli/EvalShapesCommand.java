package dev.diffusionlab.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.attention.LayerFilter;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.shapes.ShapesEval;
import dev.diffusionlab.shapes.ShapesEvalV2;
import dev.diffusionlab.shapes.ShapesReport;
import dev.diffusionlab.shapes.ShapesWorldV2;
import dev.diffusionlab.shapes.ShapesWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * {@code ./dlab eval-shapes [--model DIR] [--samples N] ...}: generates captions of the shapes world,
 * reads the images back and scores the attention maps; writes a report (HTML page with a grid of generations and
 * their verdicts and a bar chart of the accuracy per attribute, plus the tables as text and CSV), prints the
 * accuracy and faithfulness tables and ends with the line "N passed, M failed" over the targets (exit status 1
 * when one failed). {@code --world v2} (the default for a 64-pixel shapes-world model) runs {@link ShapesEvalV2}
 * and writes its tables, report.txt and report.png instead.
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
                                 printed here), quality.csv, attention.csv, targets.csv (v2: report.txt and report.png,
                                 a grid of generations with verdicts and the bar charts, with the same CSV tables)
              --world v1|v2      the world of the captions (default: v2 for a shapes-world model of 64×64 images, else v1).
                                 v2 follows issue 16: held-in, held-out pair and held-out triple splits, DDIM 20 steps,
                                 guidance 7.5 (one value), pointing/IoU for every content word of the 1st/2nd/3rd object,
                                 the issue's targets with pass/fail""";

    /** Runs the command; returns the exit status. */
    public static int run(String[] args) {
        return Args.run("eval-shapes", HELP, args, EvalShapesCommand::execute);
    }

    private static int execute(String[] args) {
        Args.Options opts = Args.options(args, Set.of("--model", "--out", "--samples", "--steps", "--seed", "--levels", "--guidance", "--world"), Set.of());
        ShapesEval.Config d = ShapesEval.Config.defaults(100);
        Path model = opts.path("--model", null);
        Path out = opts.path("--out", Path.of("eval-shapes-report"));
        int samples = opts.integer("--samples", d.samples());
        double[] guidances = opts.numbers("--guidance", d.guidances());
        int steps = opts.integer("--steps", d.steps());
        long seed = opts.longValue("--seed", d.seed());
        LayerFilter layers = opts.has("--levels") ? LayerFilter.all().resolutions(opts.ints("--levels", null)) : LayerFilter.all();
        String worldName = opts.text("--world", null);
        if (worldName != null && !worldName.equals("v1") && !worldName.equals("v2")) {
            throw new IllegalArgumentException("--world must be v1 or v2, got '" + worldName + "'");
        }
        boolean stepsSet = opts.has("--steps");
        boolean guidanceSet = opts.has("--guidance");
        Path dir = model != null ? model : DefaultModel.folder();
        dev.diffusionlab.core.Outputs.checkDir(out, "--out");
        Engines.startAndReport();
        if ("v2".equals(worldName) || worldName == null && DefaultModel.isShapesWorld(dir)
                && imageSize(dir) == ShapesWorldV2.Config.defaults().size()) {
            if (!DefaultModel.isShapesWorld(dir)) {
                throw new IllegalArgumentException(dir + " is not a shapes-world model (model_index.json has no "
                        + DefaultModel.SHAPES_MARKER + ")");
            }
            if (guidanceSet && guidances.length != 1) {
                throw new IllegalArgumentException("--guidance: the v2 evaluation takes one guidance scale, got " + Arrays.toString(guidances));
            }
            ShapesEvalV2.Config d2 = ShapesEvalV2.Config.defaults(samples);
            ShapesEvalV2.Config c2 = new ShapesEvalV2.Config(samples, guidanceSet ? guidances[0] : d2.guidance(), stepsSet ? steps : d2.steps(),
                    seed, ShapesWorldV2.Config.forModel(dir), layers, d2.batch());
            return evalV2(dir, c2, out);
        }
        ShapesEval.Config config = new ShapesEval.Config(samples, guidances, steps, seed, ShapesWorld.Config.defaults(), layers);
        ShapesEval.Report r;
        try (StableDiffusionPipeline sd = load(dir, config.world().size(), "shapes");
             NDManager m = Engines.newCpuManager()) {
            System.out.println("model " + dir + ": " + samples + " captions per split, guidance " + Arrays.toString(guidances)
                    + ", " + steps + " steps, seed " + seed);
            r = ShapesEval.run(sd, config, m);
        }
        String title = "model " + dir + ", " + samples + " captions per split, guidance " + Arrays.toString(guidances)
                + ", " + steps + " steps, seed " + seed;
        dev.diffusionlab.core.Outputs.writeDir(out, tmp -> {
            writeTables(r, tmp);
            ShapesReport.write(r, tmp, title);
        });
        System.out.println("wrote " + out.resolve("report.html") + " (grid.png: generations with verdicts, accuracy.png: per attribute),"
                + " report.txt and the tables as CSV");
        System.out.print(r.text());
        return r.failed() == 0 ? 0 : 1;
    }

    /** The image side a diffusers folder generates (VAE scale × UNet sample size), read from its configs. */
    private static int imageSize(Path dir) {
        try {
            var unet = com.google.gson.JsonParser.parseString(Files.readString(dir.resolve("unet/config.json"))).getAsJsonObject();
            var vae = com.google.gson.JsonParser.parseString(Files.readString(dir.resolve("vae/config.json"))).getAsJsonObject();
            int levels = vae.getAsJsonArray("block_out_channels").size();
            return unet.get("sample_size").getAsInt() << (levels - 1);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(dir + ": cannot read unet/config.json and vae/config.json: " + e.getMessage(), e);
        }
    }

    /** Loads a diffusers folder that must draw pictures of the {@code world} world's side ({@code size} pixels). */
    private static StableDiffusionPipeline load(Path dir, int size, String world) {
        StableDiffusionPipeline sd = StableDiffusionPipeline.load(dir, Device.cpu(), DataType.FLOAT32);
        int made = sd.vaeScaleFactor() * sd.unet().config().sampleSize();
        if (made != size) {
            sd.close();
            throw new IllegalArgumentException(dir + " makes " + made + "-pixel images, the " + world + " world is " + size
                    + " pixels: not a " + world + "-world model");
        }
        return sd;
    }

    /** The report's three tables as quality.csv, attention.csv and targets.csv in {@code dir}. */
    private static void writeTables(ShapesEval.Checked r, Path dir) {
        r.qualityTable().write().csv(dir.resolve("quality.csv").toString());
        r.attentionTable().write().csv(dir.resolve("attention.csv").toString());
        r.targetTable().write().csv(dir.resolve("targets.csv").toString());
    }

    private static int evalV2(Path dir, ShapesEvalV2.Config config, Path out) {
        ShapesEvalV2.Report r;
        try (StableDiffusionPipeline sd = load(dir, config.world().size(), "v2 shapes");
             NDManager m = Engines.newCpuManager()) {
            System.out.println("model " + dir + " (v2 world): " + config.samples() + " captions per split, guidance " + config.guidance()
                    + ", " + config.steps() + " steps, seed " + config.seed());
            r = ShapesEvalV2.run(sd, config, m);
        }
        dev.diffusionlab.core.Outputs.writeDir(out, tmp -> {
            writeTables(r, tmp);
            Files.writeString(tmp.resolve("report.txt"), r.text());
            dev.diffusionlab.core.Outputs.encodeImage(r.image(), tmp.resolve("report.png"), "png");
        });
        System.out.println("wrote " + out.resolve("report.txt") + " and " + out.resolve("report.png") + " (generations with verdicts,"
                + " bar charts) and the tables as CSV");
        System.out.print(r.text());
        return r.failed() == 0 ? 0 : 1;
    }
}
