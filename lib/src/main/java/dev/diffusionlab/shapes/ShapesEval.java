package dev.diffusionlab.shapes;

import ai.djl.ndarray.NDManager;
import dev.diffusionlab.attention.AttentionCapture;
import dev.diffusionlab.attention.AttentionRun;
import dev.diffusionlab.attention.LayerFilter;
import dev.diffusionlab.attention.TokenHeatmaps;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.shapes.Caption.WordKind;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Measures a shapes-world model: how often its generations show what the caption says (read back by
 * {@link ShapesAnalyser}) and how faithful its cross-attention maps are, which only a generated world
 * can check. Captions come from {@link ShapesWorld} indices training never uses: "held-in" captions use
 * only colour–shape combinations seen in training, "held-out" ones always contain a held-out pair.
 *
 * <p>Attention faithfulness, per colour and shape word: the word's map (all layers and steps, DAAM
 * style) against (a) the generated object (the analyser's blob of the caption's colour) and (b) the
 * intended object (the world's own drawing of the same caption). Pointing game: the map's maximum lies
 * inside the mask. IoU: the map's top-k % pixels, k being the mask's share of the image, against the
 * mask.
 *
 * <pre>{@code
 * try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(DefaultModel.folder()); NDManager m = Engines.newManager()) {
 *     ShapesEval.Report r = ShapesEval.run(sd, ShapesEval.Config.defaults(50), m);
 *     r.qualityTable();     // accuracy per attribute, split and guidance
 *     r.targets();          // the checked aims, each passed or not
 * }
 * }</pre>
 */
public final class ShapesEval {
    /** First world index of the evaluation captions (training draws far below it). */
    public static final long EVAL_OFFSET = 1_000_000_000L;

    /**
     * @param samples captions per split
     * @param guidances guidance scales of the sweep
     * @param steps denoising steps (the folder's scheduler)
     * @param seed seed of the starting noise
     * @param world the world the captions come from (the model's)
     * @param attentionLayers the cross-attention layers whose maps are scored (default: all, as DAAM)
     */
    public record Config(int samples, double[] guidances, int steps, long seed, ShapesWorld.Config world, LayerFilter attentionLayers) {
        public Config(int samples, double[] guidances, int steps, long seed, ShapesWorld.Config world) {
            this(samples, guidances, steps, seed, world, LayerFilter.all());
        }

        public Config withAttentionLayers(LayerFilter f) {
            return new Config(samples, guidances, steps, seed, world, f);
        }

        public Config {
            if (samples < 1 || steps < 1 || guidances.length == 0) {
                throw new IllegalArgumentException("samples and steps must be ≥ 1 and at least one guidance: samples " + samples
                        + ", steps " + steps + ", guidances " + Arrays.toString(guidances));
            }
            guidances = guidances.clone();
        }

        /** {@code samples} captions per split, guidance 1, 3 and 7.5, 25 steps, seed 0, the default world. */
        public static Config defaults(int samples) {
            return new Config(samples, new double[] {1, 3, 7.5}, 25, 0, ShapesWorld.Config.defaults());
        }
    }

    /** Accuracy per attribute for one split and guidance (size over the captions that say a size; NaN if none). */
    public record Quality(String split, double guidance, int n, double colour, double shape, double position, double size,
                          double count, double all) {}

    /**
     * Attention faithfulness for one split, word kind and reference mask; {@code chance} is the mean share of
     * the image the masks cover (the pointing accuracy of a map whose peak falls anywhere at random).
     */
    public record Faithfulness(String split, double guidance, String words, String reference, int n, double pointing, double iou,
                               double chance) {}

    /** One checked target: the value must reach {@code threshold}; {@code aim} is where we want the model to be. */
    public record Target(String name, double value, double threshold, double aim, boolean passed) {}

    /** One generation with its caption, the world's own drawing of it and the analyser's verdict. */
    public record Sample(String split, double guidance, ShapesSample intended, BufferedImage image, ShapesAnalyser.Score score,
                         TokenHeatmaps heatmaps) {}

    /** What an evaluation's report (v1 or {@link ShapesEvalV2}) shows: its checked targets and three tables. */
    public interface Checked {
        /** The checked targets. */
        List<Target> targets();

        /** Accuracy per attribute. */
        Table qualityTable();

        /** Attention faithfulness. */
        Table attentionTable();

        /** The targets, each passed or failed. */
        Table targetTable();

        /** How many targets passed. */
        default int passed() {
            return (int) targets().stream().filter(Target::passed).count();
        }

        /** How many targets failed. */
        default int failed() {
            return targets().size() - passed();
        }

        /** The three tables as text, ending with the line "N passed, M failed". */
        default String text() {
            return qualityTable().printAll() + "\n\n" + attentionTable().printAll() + "\n\n" + targetTable().printAll() + "\n\n"
                    + passed() + " passed, " + failed() + " failed\n";
        }
    }

    /** Everything {@link #run} measured; {@code best} is the guidance with the highest held-in colour + position accuracy. */
    public record Report(List<Quality> quality, List<Faithfulness> attention, List<Target> targets, double best, List<Sample> samples)
            implements Checked {
        public Table qualityTable() {
            Table t = Table.create("caption accuracy (fraction of images)");
            t.addColumns(StringColumn.create("split", quality.stream().map(Quality::split)),
                    DoubleColumn.create("guidance", quality.stream().mapToDouble(Quality::guidance)),
                    IntColumn.create("n", quality.stream().mapToInt(Quality::n).toArray()),
                    round("colour", quality.stream().mapToDouble(Quality::colour)),
                    round("shape", quality.stream().mapToDouble(Quality::shape)),
                    round("position", quality.stream().mapToDouble(Quality::position)),
                    round("size", quality.stream().mapToDouble(Quality::size)),
                    round("count", quality.stream().mapToDouble(Quality::count)),
                    round("all", quality.stream().mapToDouble(Quality::all)));
            return t;
        }

        public Table attentionTable() {
            Table t = Table.create("attention faithfulness at guidance " + fmt(best));
            t.addColumns(StringColumn.create("split", attention.stream().map(Faithfulness::split)),
                    StringColumn.create("words", attention.stream().map(Faithfulness::words)),
                    StringColumn.create("mask", attention.stream().map(Faithfulness::reference)),
                    IntColumn.create("n", attention.stream().mapToInt(Faithfulness::n).toArray()),
                    round("pointing", attention.stream().mapToDouble(Faithfulness::pointing)),
                    round("IoU top-k", attention.stream().mapToDouble(Faithfulness::iou)),
                    round("chance", attention.stream().mapToDouble(Faithfulness::chance)));
            return t;
        }

        public Table targetTable() {
            Table t = Table.create("targets");
            t.addColumns(StringColumn.create("target", targets.stream().map(Target::name)),
                    round("value", targets.stream().mapToDouble(Target::value)),
                    round("threshold", targets.stream().mapToDouble(Target::threshold)),
                    round("aim", targets.stream().mapToDouble(Target::aim)),
                    StringColumn.create("result", targets.stream().map(x -> x.passed() ? "passed" : "FAILED")));
            return t;
        }

        private static DoubleColumn round(String name, java.util.stream.DoubleStream values) {
            return DoubleColumn.create(name, values.map(v -> Double.isNaN(v) ? v : Math.round(v * 1000) / 1000.0).toArray());
        }
    }

    /**
     * The aims (from the project's issue) are 0.80 for colour and position on held-in captions at the best
     * guidance and 0.80 pointing for shape words. Colour and position are checked at their aims (the model
     * with a contrastively trained text encoder reaches both); the pointing target is the earlier model's 0.40,
     * not lowered although the current model misses it (0.38–0.39: docs/shapes-world.md), far above chance
     * (the object's share of the image, about 0.07).
     */
    public static final double COLOUR_TARGET = 0.80;
    public static final double POSITION_TARGET = 0.80;
    public static final double POINTING_TARGET = 0.40;
    public static final double AIM = 0.80;

    private ShapesEval() {}

    /** The captions (and the world's drawings of them) of a split, in order. */
    public static List<ShapesSample> captions(ShapesWorld world, ShapesWorld.Split split, int n) {
        return captions(i -> world.sample(i, split), n);
    }

    /** The {@code n} evaluation samples a world draws from indices {@link #EVAL_OFFSET} on. */
    static List<ShapesSample> captions(java.util.function.LongFunction<ShapesSample> world, int n) {
        List<ShapesSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(world.apply(EVAL_OFFSET + i));
        }
        return out;
    }

    /** Generates every split × guidance, scores the images and the attention maps, and checks the targets. */
    public static Report run(StableDiffusionPipeline sd, Config config, NDManager manager) {
        ShapesWorld world = new ShapesWorld(config.world());
        ShapesAnalyser analyser = new ShapesAnalyser();
        List<Quality> quality = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        for (ShapesWorld.Split split : ShapesWorld.Split.values()) {
            List<ShapesSample> caps = captions(world, split, config.samples());
            for (double g : config.guidances()) {
                List<Sample> run = generate(sd, caps, split, g, config, analyser, manager);
                samples.addAll(run);
                quality.add(quality(splitName(split), g, run));
            }
        }
        double best = Double.NaN;
        double bestScore = -1;
        for (Quality q : quality) {
            if (q.split().equals("held-in") && q.colour() + q.position() > bestScore) {
                bestScore = q.colour() + q.position();
                best = q.guidance();
            }
        }
        List<Faithfulness> attention = new ArrayList<>();
        for (ShapesWorld.Split split : ShapesWorld.Split.values()) {
            String name = splitName(split);
            double g = best;
            List<Sample> at = samples.stream().filter(s -> s.split().equals(name) && s.guidance() == g).toList();
            for (WordKind kind : List.of(WordKind.COLOUR, WordKind.SHAPE)) {
                attention.add(faithfulness(name, g, at, kind, true));
                attention.add(faithfulness(name, g, at, kind, false));
            }
        }
        double bg = best;
        Quality bestIn = quality.stream().filter(q -> q.split().equals("held-in") && q.guidance() == bg).findFirst().orElseThrow();
        Faithfulness shapePointing = attention.stream().filter(f -> f.split().equals("held-in") && f.words().equals("shape")
                && f.reference().equals("generated")).findFirst().orElseThrow();
        List<Target> targets = List.of(
                target("colour accuracy, held-in, guidance " + fmt(best), bestIn.colour(), COLOUR_TARGET),
                target("position accuracy, held-in, guidance " + fmt(best), bestIn.position(), POSITION_TARGET),
                target("pointing game, shape words, held-in (generated object)", shapePointing.pointing(), POINTING_TARGET));
        return new Report(List.copyOf(quality), List.copyOf(attention), targets, best, List.copyOf(samples));
    }

    private static Target target(String name, double value, double threshold) {
        return new Target(name, value, threshold, AIM, value >= threshold);
    }

    private static String splitName(ShapesWorld.Split s) {
        return s == ShapesWorld.Split.TRAIN ? "held-in" : "held-out";
    }

    static String fmt(double g) {
        return g == Math.rint(g) ? Long.toString((long) g) : String.format(Locale.ROOT, "%s", g);
    }

    private static List<Sample> generate(StableDiffusionPipeline sd, List<ShapesSample> caps, ShapesWorld.Split split, double g,
                                         Config config, ShapesAnalyser analyser, NDManager manager) {
        List<String> prompts = caps.stream().map(ShapesSample::caption).toList();
        int size = config.world().size();
        List<Sample> out = new ArrayList<>();
        try (NDManager m = manager.newSubManager();
             AttentionCapture capture = AttentionCapture.builder().layers(config.attentionLayers()).build()) {
            GenerationRequest req = GenerationRequest.of(prompts.toArray(String[]::new)).guidance(g).steps(config.steps())
                    .size(size, size).seed(config.seed()).progress(false);
            StableDiffusionPipeline.Result r = AttentionRun.generate(sd, req, m, capture);
            var maps = capture.maps();
            for (int i = 0; i < caps.size(); i++) {
                BufferedImage img = r.images().get(i);
                out.add(new Sample(splitName(split), g, caps.get(i), img, analyser.score(img, prompts.get(i)), TokenHeatmaps.of(maps, i)));
            }
        }
        return out;
    }

    private static Quality quality(String split, double g, List<Sample> run) {
        Accuracy a = Accuracy.of(run.stream().map(Sample::score).toList());
        return new Quality(split, g, a.n(), a.colour(), a.shape(), a.position(), a.size(), a.count(), a.all());
    }

    /** Fractions of the scores right per attribute (size over the objects whose caption says a size; NaN if none). */
    record Accuracy(int n, double colour, double shape, double position, double size, double count, double all) {
        static Accuracy of(List<ShapesAnalyser.Score> scores) {
            int n = scores.size();
            double colour = 0;
            double shape = 0;
            double position = 0;
            double count = 0;
            double all = 0;
            int sized = 0;
            double size = 0;
            for (ShapesAnalyser.Score sc : scores) {
                colour += sc.colour() ? 1 : 0;
                shape += sc.shape() ? 1 : 0;
                position += sc.position() ? 1 : 0;
                count += sc.count() ? 1 : 0;
                all += sc.all() ? 1 : 0;
                for (ShapesAnalyser.ObjectScore o : sc.objects()) {
                    if (o.size() != null) {
                        sized++;
                        size += o.size() ? 1 : 0;
                    }
                }
            }
            return new Accuracy(n, colour / n, shape / n, position / n, sized == 0 ? Double.NaN : size / sized, count / n, all / n);
        }
    }

    /** Scores every colour or shape word of the samples against the generated or the intended object's mask. */
    private static Faithfulness faithfulness(String split, double g, List<Sample> samples, WordKind kind, boolean generated) {
        int n = 0;
        int hits = 0;
        double iouSum = 0;
        double share = 0;
        for (Sample s : samples) {
            List<ObjectSpec> specs = Caption.parse(s.intended().caption());
            List<Caption.Word> words = Caption.words(s.intended().caption());
            for (Caption.Word w : words) {
                if (w.kind() != kind) {
                    continue;
                }
                boolean[] mask = generated ? generatedMask(s, specs.get(w.object())) : intendedMask(s, w);
                if (mask == null) {
                    continue; // the object was not drawn: nothing to point at (the quality table counts it)
                }
                TokenHeatmaps.Heatmap h = wordMap(s.heatmaps(), w, s.intended().caption());
                n++;
                hits += pointing(h.raw(), mask) ? 1 : 0;
                iouSum += topKIou(h.raw(), mask);
                share += area(mask) / (double) mask.length;
            }
        }
        return new Faithfulness(split, g, kind == WordKind.COLOUR ? "colour" : "shape", generated ? "generated" : "intended", n,
                n == 0 ? Double.NaN : hits / (double) n, n == 0 ? Double.NaN : iouSum / n, n == 0 ? Double.NaN : share / n);
    }

    /** The heatmap of a caption word; the tokenizer's word there must be the grammar's. */
    static TokenHeatmaps.Heatmap wordMap(TokenHeatmaps heatmaps, Caption.Word w, String caption) {
        TokenHeatmaps.Heatmap h = heatmaps.wordAt(w.index());
        if (!h.label().equals(w.text())) {
            throw new IllegalStateException("word " + w.index() + " of \"" + caption + "\" is '" + w.text()
                    + "' but the tokenizer's word is '" + h.label() + "'");
        }
        return h;
    }

    private static boolean[] generatedMask(Sample s, ObjectSpec spec) {
        return s.score().objects().stream().filter(o -> o.spec().equals(spec) && o.blob() != null).map(o -> o.blob().mask())
                .findFirst().orElse(null);
    }

    private static boolean[] intendedMask(Sample s, Caption.Word w) {
        return s.intended().wordMasks().stream().filter(m -> m.word().index() == w.index()).map(ShapesSample.WordMask::mask)
                .findFirst().orElse(null);
    }

    /** True when the map's maximum (first on ties) lies inside the mask. */
    public static boolean pointing(float[] map, boolean[] mask) {
        checkSizes(map, mask);
        int arg = 0;
        for (int i = 1; i < map.length; i++) {
            if (map[i] > map[arg]) {
                arg = i;
            }
        }
        return mask[arg];
    }

    /** IoU of the mask with the map's brightest pixels, as many as the mask has (0 for an empty mask). */
    public static double topKIou(float[] map, boolean[] mask) {
        checkSizes(map, mask);
        int k = area(mask);
        if (k == 0) {
            return 0;
        }
        Integer[] order = new Integer[map.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(map[b], map[a]));
        int inter = 0;
        for (int i = 0; i < k; i++) {
            inter += mask[order[i]] ? 1 : 0;
        }
        return inter / (double) (2 * k - inter); // |top ∪ mask| = k + k − |∩|
    }

    static int area(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        return n;
    }

    private static void checkSizes(float[] map, boolean[] mask) {
        if (map.length != mask.length) {
            throw new IllegalArgumentException("map has " + map.length + " pixels but the mask " + mask.length);
        }
    }
}
