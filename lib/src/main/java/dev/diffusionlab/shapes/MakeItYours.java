package dev.diffusionlab.shapes;

import ai.djl.ndarray.NDManager;
import dev.diffusionlab.clip.TextualInversion;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionInpaintPipeline;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.shapes.Vocab.Colour;
import dev.diffusionlab.shapes.Vocab.Position;
import dev.diffusionlab.shapes.Vocab.ShapeType;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Stage 5 on the shapes world, with measurable ground truth: training pictures for textual inversion of a
 * "colour shape" concept, the learned word's accuracy as read by the {@link ShapesAnalyser}, and inpainting
 * scenes (two objects, one half of the picture masked and re-captioned) with the analyser's verdict on the
 * repainted object and the pixel change outside the mask.
 *
 * <pre>{@code
 * List<TextualInversion.Example> ex = MakeItYours.examples("red circle", "<zorp>", 64, 0);
 * MakeItYours.TiReport r = MakeItYours.evaluateWord(sd, "<zorp>", "red circle", 50, 20, 7.5, m);
 * }</pre>
 */
public final class MakeItYours {
    private MakeItYours() {}

    /** Offset of evaluation seeds, far from the training pictures' seeds. */
    public static final long EVAL_SEED = 7_000_000L;

    /** "red circle" as (colour, shape); the error lists the words the world knows. */
    public static ObjectSpec concept(String phrase, Position position) {
        String[] w = phrase.trim().toLowerCase(Locale.ROOT).split("\\s+");
        Colour c = w.length == 2 ? Vocab.byWord(Colour.class, w[0]) : null;
        ShapeType s = w.length == 2 ? Vocab.byWord(ShapeType.class, w[1]) : null;
        if (c == null || s == null) {
            throw new IllegalArgumentException("--shapes takes '<colour> <shape>' of the shapes world (colours "
                    + java.util.Arrays.stream(Colour.values()).map(Colour::word).toList() + ", shapes "
                    + java.util.Arrays.stream(ShapeType.values()).map(ShapeType::word).toList() + "), got '" + phrase + "'");
        }
        return new ObjectSpec(c, s, null, position);
    }

    /**
     * {@code n} pictures of one {@code phrase} object at random places and sizes, captioned in the world's grammar
     * with the colour and shape words replaced by {@code token}: "a &lt;zorp&gt; on the left".
     */
    public static List<TextualInversion.Example> examples(String phrase, String token, int n, long seed) {
        return examples(phrase, token, n, seed, ShapesWorld.Config.defaults().size());
    }

    /** As above, drawn by the world of {@code side}-pixel pictures (32: v1, 64: {@link ShapesWorldV2}). */
    public static List<TextualInversion.Example> examples(String phrase, String token, int n, long seed, int side) {
        List<TextualInversion.Example> out = new ArrayList<>();
        Random rnd = new Random(seed);
        for (int i = 0; i < n; i++) {
            Position p = Position.values()[rnd.nextInt(Position.values().length)];
            ObjectSpec spec = concept(phrase, p);
            ShapesSample s = ShapesWorlds.render(side, List.of(spec), rnd);
            out.add(new TextualInversion.Example(s.image(), tokenCaption(spec, token, side)));
        }
        return out;
    }

    /**
     * {@code n} pictures of one {@code shape} in a colour outside the world's palette ({@code rgb}, e.g. black), drawn like
     * the world's objects (random place and size, the world's jitter), captioned "a {@code token} &lt;place&gt;". The model
     * never saw this colour: what textual inversion cannot reach.
     */
    public static List<TextualInversion.Example> examplesInColour(ShapeType shape, java.awt.Color rgb, String token, int n, long seed) {
        return examplesInColour(shape, rgb, token, n, seed, ShapesWorld.Config.defaults().size());
    }

    /** As above at {@code side} pixels: v2's anchors and radii for 64 px (not anti-aliased: one flat colour). */
    public static List<TextualInversion.Example> examplesInColour(ShapeType shape, java.awt.Color rgb, String token, int n, long seed,
                                                                  int side) {
        boolean v2 = ShapesWorlds.isV2(side);
        Random rnd = new Random(seed);
        List<TextualInversion.Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Position p = Position.values()[rnd.nextInt(Position.values().length)];
            Vocab.Size size = Vocab.Size.values()[rnd.nextInt(Vocab.Size.values().length)];
            double jitter = (v2 ? 0.03 : 0.04) * side;
            double[] at = v2 ? ShapesWorldV2.anchor(p) : new double[] {p.x, p.y};
            double cx = at[0] * side + (rnd.nextDouble() * 2 - 1) * jitter;
            double cy = at[1] * side + (rnd.nextDouble() * 2 - 1) * jitter;
            double r = (v2 ? ShapesWorldV2.radius(size) : size.radiusFraction) * side;
            BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    img.setRGB(x, y, ShapesWorld.inside(shape, x + 0.5 - cx, y + 0.5 - cy, r) ? rgb.getRGB() : Vocab.BACKGROUND.getRGB());
                }
            }
            out.add(new TextualInversion.Example(img, tokenCaption(new ObjectSpec(Colour.RED, shape, null, p), token, side)
                    .replace("red ", "")));
        }
        return out;
    }

    /** The share of pixels within RGB distance {@code maxDistance} of {@code rgb}. */
    public static double colourShare(BufferedImage img, java.awt.Color rgb, double maxDistance) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                double dr = ((p >> 16) & 0xff) - rgb.getRed();
                double dg = ((p >> 8) & 0xff) - rgb.getGreen();
                double db = (p & 0xff) - rgb.getBlue();
                n += Math.sqrt(dr * dr + dg * dg + db * db) <= maxDistance ? 1 : 0;
            }
        }
        return n / (double) (img.getWidth() * img.getHeight());
    }

    /** Generations of "a {@code token} &lt;place&gt;" (in the model's word order) and the share of each picture in colour {@code rgb} (within 80 RGB units). */
    public record ColourReport(int n, double drawn, List<BufferedImage> images, double[] shares) {
        /** A picture counts as drawn in the colour when at least this share of its pixels has it (a small shape covers ~4 %). */
        public static final double MIN_SHARE = 0.02;

        public String text() {
            return String.format(Locale.ROOT, "an object in the new colour (≥ %.0f %% of the pixels) in %.0f %% of %d generations",
                    100 * MIN_SHARE, 100 * drawn, n);
        }
    }

    /** Generates "a {@code token} &lt;place&gt;" (in the model's word order) for {@code n} seeds and measures how much of each picture is in {@code rgb}. */
    public static ColourReport evaluateColour(StableDiffusionPipeline sd, String token, java.awt.Color rgb, int n, int steps, double guidance,
                                              NDManager manager) {
        List<BufferedImage> imgs = new ArrayList<>();
        double[] shares = new double[n];
        int drawn = 0;
        for (int i = 0; i < n; i++) {
            Position p = Position.values()[i % Position.values().length];
            // a one-object caption in the model's word order with its colour and shape said as the token ("on the left a <ink>")
            String prompt = tokenCaption(new ObjectSpec(Colour.RED, ShapeType.CIRCLE, null, p), token, side(sd));
            try (NDManager m = manager.newSubManager()) {
                BufferedImage img = sd.generate(GenerationRequest.of(prompt).steps(steps).guidance(guidance).seed(EVAL_SEED + i), m)
                        .images().get(0);
                imgs.add(img);
                shares[i] = colourShare(img, rgb, 80);
                drawn += shares[i] >= ColourReport.MIN_SHARE ? 1 : 0;
            }
        }
        return new ColourReport(n, drawn / (double) n, List.copyOf(imgs), shares);
    }

    /** The picture side of a shapes-world model (32 for v1, 64 for v2). */
    public static int side(StableDiffusionPipeline sd) {
        return sd.unet().config().sampleSize() * sd.vaeScaleFactor();
    }

    /** The caption of {@code spec} with its "colour shape" words replaced by {@code token}. */
    public static String tokenCaption(ObjectSpec spec, String token) {
        return tokenCaption(spec, token, ShapesWorld.Config.defaults().size());
    }

    /** As above, in the caption order of the world of {@code side}-pixel pictures. */
    public static String tokenCaption(ObjectSpec spec, String token, int side) {
        return ShapesWorlds.caption(side, List.of(spec)).replace(spec.combo(), token);
    }

    /** One generation of the learned word and its verdict against the concept it stands for. */
    public record WordSample(String prompt, String reference, BufferedImage image, ShapesAnalyser.Score score) {
        /** Colour and shape of the object right: the word was drawn. */
        public boolean wordDrawn() {
            return score.colour() && score.shape();
        }
    }

    /**
     * The learned word's figures over {@code n} seeded generations: {@code wordDrawn}, the share whose object has the
     * phrase's colour and shape; {@code position}, the share whose largest object sits at the asked place, whatever it
     * looks like (so an untrained word shows whether the place words still work).
     */
    public record TiReport(int n, double wordDrawn, double position, List<WordSample> samples) {
        public String text() {
            return String.format(Locale.ROOT, "learned word drawn (colour and shape right) in %.0f %% of %d generations; position right in %.0f %%",
                    100 * wordDrawn, n, 100 * position);
        }
    }

    /**
     * Generates "a {@code token} &lt;place&gt;" for {@code n} seeds (places cycle through the five positions) and
     * reads each picture against "a {@code phrase} &lt;place&gt;".
     */
    public static TiReport evaluateWord(StableDiffusionPipeline sd, String token, String phrase, int n, int steps, double guidance,
                                        NDManager manager) {
        ShapesReader analyser = ShapesReader.forSide(side(sd));
        List<WordSample> samples = new ArrayList<>();
        int drawn = 0;
        int placed = 0;
        for (int i = 0; i < n; i++) {
            ObjectSpec spec = concept(phrase, Position.values()[i % Position.values().length]);
            String prompt = tokenCaption(spec, token, side(sd));
            String reference = ShapesWorlds.caption(side(sd), List.of(spec));
            try (NDManager m = manager.newSubManager()) {
                BufferedImage img = sd.generate(GenerationRequest.of(prompt).steps(steps).guidance(guidance).seed(EVAL_SEED + i), m)
                        .images().get(0);
                WordSample ws = new WordSample(prompt, reference, img, analyser.score(img, reference));
                samples.add(ws);
                drawn += ws.wordDrawn() ? 1 : 0;
                // the place of the largest object, whatever it looks like: the analyser's own position verdict needs the
                // asked colour, so an untrained word drawn at the right place in another colour would count as misplaced
                placed += analyser.read(img).stream().max(java.util.Comparator.comparingInt(ShapesAnalyser.Blob::area))
                        .map(b -> b.position() == spec.position()).orElse(false) ? 1 : 0;
            }
        }
        return new TiReport(n, drawn / (double) n, placed / (double) n, samples);
    }

    /**
     * An inpainting scene: a two-object picture, the mask (white = repaint) over the half holding the object to
     * replace, and the caption asking for another object there.
     */
    public record Scene(ShapesSample original, BufferedImage mask, boolean[] maskPixels, ObjectSpec replaced, ObjectSpec kept,
                        ObjectSpec wanted, String caption) {
        /** The prompt: the wanted object alone ("a green triangle at the top"), what the masked half should show. */
        public String prompt() {
            return Caption.format(List.of(wanted), Caption.order(caption));
        }
    }

    /** Scene {@code index}: left/right or top/bottom pair, object 0 replaced by a new colour and shape (never the kept colour). */
    public static Scene scene(long index) {
        return scene(index, ShapesWorld.Config.defaults().size());
    }

    /** Scene {@code index} in the world of {@code side}-pixel pictures (32: v1, 64: {@link ShapesWorldV2}). */
    public static Scene scene(long index, int side) {
        Random rnd = new Random(EVAL_SEED * 31 + index);
        boolean horizontal = rnd.nextBoolean();
        Position a = horizontal ? Position.LEFT : Position.TOP;
        Position b = horizontal ? Position.RIGHT : Position.BOTTOM;
        if (rnd.nextBoolean()) {
            Position t = a;
            a = b;
            b = t;
        }
        List<ObjectSpec> specs = new ArrayList<>();
        Colour used = null;
        for (Position p : List.of(a, b)) {
            ObjectSpec s;
            do {
                s = new ObjectSpec(Colour.values()[rnd.nextInt(Colour.values().length)],
                        ShapeType.values()[rnd.nextInt(ShapeType.values().length)], null, p);
            } while (s.colour() == used || !ShapesWorlds.trainable(side, s));
            used = s.colour();
            specs.add(s);
        }
        ObjectSpec wanted;
        do {
            wanted = new ObjectSpec(Colour.values()[rnd.nextInt(Colour.values().length)],
                    ShapeType.values()[rnd.nextInt(ShapeType.values().length)], null, a);
        } while (wanted.colour() == specs.get(0).colour() || wanted.colour() == specs.get(1).colour()
                || !ShapesWorlds.trainable(side, wanted));
        ShapesSample original = ShapesWorlds.render(side, specs, rnd);
        boolean[] m = new boolean[side * side];
        BufferedImage mask = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                boolean in = switch (a) {
                    case LEFT -> x < side / 2;
                    case RIGHT -> x >= side / 2;
                    case TOP -> y < side / 2;
                    default -> y >= side / 2;
                };
                m[y * side + x] = in;
                mask.setRGB(x, y, in ? 0xFFFFFF : 0);
            }
        }
        return new Scene(original, mask, m, specs.get(0), specs.get(1), wanted, ShapesWorlds.caption(side, List.of(wanted, specs.get(1))));
    }

    /** One inpainting run and its verdicts. */
    public record InpaintSample(Scene scene, BufferedImage image, ShapesAnalyser.Score score, double meanAbsDiffOutside,
                                double maxAbsDiffOutside, double meanAbsDiffKeptObject, double vaeRoundTripKeptObject) {
        /** The repainted object has the asked colour and shape. */
        public boolean replaced() {
            ShapesAnalyser.ObjectScore o = score.objects().get(0);
            return o.colour() && o.shape();
        }

        /**
         * The kept object is unchanged: its pixels moved on average by at most {@link #KEPT_TOLERANCE} (of 255) more than
         * the VAE's own round trip (encode, decode) moves them; a blend keeps latents, so that is the floor. (The
         * analyser's reading of it is in {@link #score}; it can fail when the repainted half copies the kept colour.)
         */
        public boolean keptUnchanged() {
            return meanAbsDiffKeptObject <= vaeRoundTripKeptObject + KEPT_TOLERANCE;
        }
    }

    /** Mean pixel change (of 255) beyond the VAE round trip's under which the kept object counts as unchanged. */
    public static final double KEPT_TOLERANCE = 5;

    /** Inpainting figures over {@code n} scenes. */
    public record InpaintReport(int n, double replaced, double kept, double both, double keptReadRight, double meanAbsDiffOutside,
                                double maxAbsDiffOutside, double meanAbsDiffKeptObject, double vaeRoundTripKeptObject,
                                List<InpaintSample> samples) {
        /** The shares and means over the runs (summed in run order); the max starts at 0. */
        static InpaintReport of(List<InpaintSample> samples) {
            int n = samples.size();
            double max = 0;
            for (InpaintSample s : samples) {
                max = Math.max(max, s.maxAbsDiffOutside());
            }
            return new InpaintReport(n, share(samples, InpaintSample::replaced), share(samples, InpaintSample::keptUnchanged),
                    share(samples, s -> s.replaced() && s.keptUnchanged()), share(samples, InpaintReport::keptReadRight),
                    mean(samples, InpaintSample::meanAbsDiffOutside), max, mean(samples, InpaintSample::meanAbsDiffKeptObject),
                    mean(samples, InpaintSample::vaeRoundTripKeptObject), List.copyOf(samples));
        }

        /** The analyser reads the kept (second) object right: colour, shape and position. */
        private static boolean keptReadRight(InpaintSample s) {
            ShapesAnalyser.ObjectScore ko = s.score().objects().get(1);
            return ko.colour() && ko.shape() && ko.position();
        }

        private static double share(List<InpaintSample> samples, java.util.function.Predicate<InpaintSample> p) {
            return samples.stream().filter(p).count() / (double) samples.size();
        }

        private static double mean(List<InpaintSample> samples, java.util.function.ToDoubleFunction<InpaintSample> f) {
            double sum = 0;
            for (InpaintSample s : samples) {
                sum += f.applyAsDouble(s);
            }
            return sum / samples.size();
        }

        public String text() {
            return String.format(Locale.ROOT, "masked object replaced as captioned in %.0f %% of %d runs; unmasked object unchanged"
                    + " (mean pixel change within the VAE round trip's + %.0f/255) in %.0f %%; both in %.0f %%;"
                    + " unmasked object read right by the analyser in %.0f %%%n"
                    + "pixel change outside the mask: mean %.2f, max %.0f; on the unmasked object: mean %.2f (VAE round trip alone: %.2f) (of 255)",
                    100 * replaced, n, KEPT_TOLERANCE, 100 * kept, 100 * both, 100 * keptReadRight, meanAbsDiffOutside, maxAbsDiffOutside,
                    meanAbsDiffKeptObject, vaeRoundTripKeptObject);
        }
    }

    /** Runs {@code n} scenes through {@code inpaint} (strength 1, seeded) and reads each result. */
    public static InpaintReport evaluateInpainting(StableDiffusionInpaintPipeline inpaint, int n, int steps, double guidance,
                                                   NDManager manager) {
        return evaluateInpainting(inpaint, n, steps, guidance, false, manager);
    }

    /**
     * As above; {@code promptWholeCaption} prompts with the whole new caption (both objects) instead of the masked
     * object alone. Either way the result is read against the whole caption.
     */
    public static InpaintReport evaluateInpainting(StableDiffusionInpaintPipeline inpaint, int n, int steps, double guidance,
                                                   boolean promptWholeCaption, NDManager manager) {
        return evaluateInpainting(inpaint, n, steps, guidance, promptWholeCaption, false, manager);
    }

    /** As above; {@code overlay} pastes the input back outside the mask ({@link GenerationRequest#overlay}). */
    public static InpaintReport evaluateInpainting(StableDiffusionInpaintPipeline inpaint, int n, int steps, double guidance,
                                                   boolean promptWholeCaption, boolean overlay, NDManager manager) {
        int side = side(inpaint.pipeline());
        ShapesReader analyser = ShapesReader.forSide(side);
        List<InpaintSample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Scene s = scene(i, side);
            try (NDManager m = manager.newSubManager()) {
                BufferedImage img = inpaint.generate(GenerationRequest.of(promptWholeCaption ? s.caption() : s.prompt()).initImage(s.original().image(), 1.0)
                        .mask(s.mask()).steps(steps).guidance(guidance).overlay(overlay).seed(EVAL_SEED + i), m).images().get(0);
                double[] d = diffOutside(s.original().image(), img, s.maskPixels());
                boolean[] notKept = s.original().objects().get(1).mask().clone();
                for (int k = 0; k < notKept.length; k++) {
                    notKept[k] = !notKept[k];
                }
                double keptDiff = diffOutside(s.original().image(), img, notKept)[0];
                double vaeDiff = diffOutside(s.original().image(), roundTrip(inpaint.pipeline(), s.original().image(), m), notKept)[0];
                samples.add(new InpaintSample(s, img, analyser.score(img, s.caption()), d[0], d[1], keptDiff, vaeDiff));
            }
        }
        return InpaintReport.of(samples);
    }

    /** The picture after the VAE alone: decode(mean of encode(x)), as the pipeline's images are rounded. */
    public static BufferedImage roundTrip(StableDiffusionPipeline sd, BufferedImage img, NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            ai.djl.ndarray.NDArray x = dev.diffusionlab.pipeline.MaskProcessor.imageTensor(img, m).mul(2).sub(1); // [0,1] -> [-1,1]
            ai.djl.ndarray.NDArray z = sd.vae().encode(x.toType(sd.vae().dtype(), false)).mean().mul(sd.vae().scalingFactor());
            ai.djl.ndarray.NDArray out = sd.generateDecodedTensor(z); // (1,3,H,W) in [0,1]
            return dev.diffusionlab.image.ImageTensors.toImage(out.mul(2).sub(1));
        }
    }

    /** Mean and max absolute RGB difference (0–255) over the pixels outside the mask. */
    public static double[] diffOutside(BufferedImage a, BufferedImage b, boolean[] mask) {
        int w = a.getWidth();
        double sum = 0;
        double max = 0;
        long count = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                continue;
            }
            int pa = a.getRGB(i % w, i / w);
            int pb = b.getRGB(i % w, i / w);
            for (int sh = 0; sh <= 16; sh += 8) {
                double d = Math.abs(((pa >> sh) & 0xff) - ((pb >> sh) & 0xff));
                sum += d;
                max = Math.max(max, d);
                count++;
            }
        }
        return new double[] {count == 0 ? 0 : sum / count, max};
    }
}
