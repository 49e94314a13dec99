package dev.diffusionlab.clip;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.diffusionlab.image.ImageTensors;
import dev.diffusionlab.nn.Conv2d;
import dev.diffusionlab.nn.Embedding;
import dev.diffusionlab.nn.Linear;
import dev.diffusionlab.nn.Module;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * A tiny contrastive CLIP for the shapes world, trained in seconds: an image encoder (2×2 average pool, then a
 * two-layer MLP) and a text encoder (word + position embeddings, concatenated, then a two-layer MLP) map a
 * picture and a caption to unit vectors in one space; the InfoNCE loss of CLIP (Radford et al., 2021) pulls
 * each picture towards its own caption and away from the other captions of the batch, in both directions.
 *
 * <pre>{@code
 * ContrastiveClip clip = ContrastiveClip.create(ContrastiveClip.Config.defaults(), 32, someCaptions, weights);
 * List<Float> losses = clip.train(step -> new ContrastiveClip.Batch(pictures(step), captions(step)), manager);
 * NDArray sim = clip.similarity(clip.encodeImages(images, m), clip.encodeTexts(captions, m));   // (B, C) cosines
 * }</pre>
 * The data come from the caller (notebook 03b and the test draw them from the shapes world), so this package
 * does not depend on {@code shapes}. It shows what the "CLIP" in Stable Diffusion was originally trained to do: match
 * pictures and captions. {@link #forTextModel} puts a diffusion model's own {@link CLIPTextModel} in as the text tower,
 * optionally against a small convolutional image tower ({@link ImageEncoder#CONV}), which is how the shapes trainer
 * pretrains its text encoder.
 */
public final class ContrastiveClip extends Module {
    /**
     * Sizes and training settings. {@code temperature} divides the cosines before the softmax (CLIP learns it;
     * fixed here).
     */
    public record Config(int embedDim, int hidden, int wordDim, int maxWords, int batch, int steps, double lr, double temperature, int seed) {
        public static Config defaults() {
            return new Config(64, 256, 32, 16, 32, 400, 2e-3, 0.1, 0);
        }

        public Config withSteps(int n) {
            return new Config(embedDim, hidden, wordDim, maxWords, batch, n, lr, temperature, seed);
        }
    }

    /**
     * The image tower: {@code POOL_MLP} (2×2 average pool, two-layer MLP: sees colour, size and place, barely
     * shape) or {@code CONV} (three stride-2 3×3 convolutions, then the MLP on the flattened 1/8-size map:
     * local edges first, so a corner tells a square from a circle, and the flattening keeps the place).
     */
    public enum ImageEncoder { POOL_MLP, CONV }

    private final Config config;
    private final Map<String, Integer> index = new HashMap<>();
    private final int pixels;
    private final Linear img1;
    private final Linear img2;
    private final Embedding words;
    private final Embedding positions;
    private final Linear txt1;
    private final Linear txt2;
    private final CLIPTextModel textModel;
    private final CLIPTokenizer tokenizer;
    private final Linear textProjection;
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Conv2d conv3;
    private double contextInvariance;
    private int contextSpan;
    private double wordMargin;
    private float lastInvariance = Float.NaN;
    private float lastWordShift = Float.NaN;

    /** An untrained model for {@code size}×{@code size} pictures and this vocabulary (id 0 is padding, 1 unknown). */
    public ContrastiveClip(Config config, int size, List<String> vocabulary) {
        this.config = config;
        this.textModel = null;
        this.tokenizer = null;
        this.textProjection = null;
        this.conv1 = null;
        this.conv2 = null;
        this.conv3 = null;
        for (String w : vocabulary) {
            index.putIfAbsent(w, index.size() + 2);
        }
        this.pixels = 3 * (size / 2) * (size / 2);
        img1 = child("image_mlp_1", new Linear(pixels, config.hidden(), true));
        img2 = child("image_mlp_2", new Linear(config.hidden(), config.embedDim(), true));
        words = child("word_embedding", new Embedding(index.size() + 2, config.wordDim()));
        positions = child("position_embedding", new Embedding(config.maxWords(), config.wordDim()));
        txt1 = child("text_mlp_1", new Linear(config.maxWords() * config.wordDim(), config.hidden(), true));
        txt2 = child("text_mlp_2", new Linear(config.hidden(), config.embedDim(), true));
    }

    private ContrastiveClip(Config config, int size, CLIPTextModel textModel, CLIPTokenizer tokenizer, ImageEncoder encoder) {
        this.config = config;
        this.textModel = textModel;
        this.tokenizer = tokenizer;
        if (encoder == ImageEncoder.CONV) {
            if (size % 8 != 0) {
                throw new IllegalArgumentException("the CONV image encoder needs a picture size divisible by 8, got " + size);
            }
            conv1 = child("image_conv_1", new Conv2d(3, 32, 3, 2, 1));
            conv2 = child("image_conv_2", new Conv2d(32, 64, 3, 2, 1));
            conv3 = child("image_conv_3", new Conv2d(64, 64, 3, 2, 1));
            this.pixels = 64 * (size / 8) * (size / 8);
        } else {
            conv1 = null;
            conv2 = null;
            conv3 = null;
            this.pixels = 3 * (size / 2) * (size / 2);
        }
        img1 = child("image_mlp_1", new Linear(pixels, config.hidden(), true));
        img2 = child("image_mlp_2", new Linear(config.hidden(), config.embedDim(), true));
        textProjection = child("text_projection", new Linear(textModel.config().hiddenSize(), config.embedDim(), false));
        words = null;
        positions = null;
        txt1 = null;
        txt2 = null;
    }

    /**
     * CLIP's own recipe for a diffusion model's text encoder: {@code textModel} (a {@link CLIPTextModel}, its
     * tokenizer) is the text tower, read at its end token ({@code pooled_output}) through a learned
     * {@code text_projection}, as in CLIP; {@link #train} then updates the text model's weights too. Stable
     * Diffusion's text encoder was trained this way before the UNet ever saw it.
     */
    public static ContrastiveClip forTextModel(Config config, int size, CLIPTextModel textModel, CLIPTokenizer tokenizer, NDManager weights) {
        return forTextModel(config, size, textModel, tokenizer, ImageEncoder.POOL_MLP, weights);
    }

    /** As {@link #forTextModel(Config, int, CLIPTextModel, CLIPTokenizer, NDManager)} with the given image tower. */
    public static ContrastiveClip forTextModel(Config config, int size, CLIPTextModel textModel, CLIPTokenizer tokenizer, ImageEncoder encoder,
                                               NDManager weights) {
        ContrastiveClip clip = new ContrastiveClip(config, size, textModel, tokenizer, encoder);
        clip.initialize(weights, DataType.FLOAT32, config.seed());
        return clip;
    }
    /**
     * Matching pictures and captions: picture i is described by caption i. {@code contextTwins} (optional, null:
     * none) holds caption i with one word changed, for {@link #contextInvariance}; it describes no picture.
     */
    public record Batch(List<BufferedImage> images, List<String> captions, List<String> contextTwins) {
        public Batch {
            if (images.size() != captions.size() || images.isEmpty()) {
                throw new IllegalArgumentException("a batch needs as many captions as pictures (at least one), got "
                        + images.size() + " pictures and " + captions.size() + " captions");
            }
            if (contextTwins != null && contextTwins.size() != captions.size()) {
                throw new IllegalArgumentException("a batch needs one context twin per caption, got " + contextTwins.size()
                        + " twins for " + captions.size() + " captions");
            }
        }

        public Batch(List<BufferedImage> images, List<String> captions) {
            this(images, captions, null);
        }
    }

    /**
     * A model for {@code size}×{@code size} pictures whose vocabulary is the words of {@code captions}, its
     * weights initialised in {@code weights}.
     */
    public static ContrastiveClip create(Config config, int size, Collection<String> captions, NDManager weights) {
        TreeSet<String> vocab = new TreeSet<>();
        for (String c : captions) {
            for (String w : c.toLowerCase(Locale.ROOT).trim().split("\\s+")) {
                vocab.add(w);
            }
        }
        ContrastiveClip clip = new ContrastiveClip(config, size, List.copyOf(vocab));
        clip.initialize(weights, DataType.FLOAT32, config.seed());
        return clip;
    }

    public Config config() {
        return config;
    }

    /**
     * Adds {@code weight}·{@link #contextInvariance} to the loss of every {@link #train} batch that carries context
     * twins (a text-model tower only); returns this.
     */
    public ContrastiveClip withContextInvariance(double weight) {
        return withContextInvariance(weight, 0);
    }

    /** As {@link #withContextInvariance(double)}, on the {@code span} positions after the changed word only (0: all of them). */
    public ContrastiveClip withContextInvariance(double weight, int span) {
        if (!(weight >= 0) || Double.isInfinite(weight) || (weight > 0 && textModel == null) || span < 0) {
            throw new IllegalArgumentException("context invariance needs a finite weight ≥ 0, a span ≥ 0 and a text-model tower, got weight "
                    + weight + ", span " + span);
        }
        this.contextInvariance = weight;
        this.contextSpan = span;
        return this;
    }

    /**
     * With {@link #withContextInvariance}: the changed word's own vector must also move, by at least {@code margin} of its
     * size ({@link #changedWordShortfall}), so the change is kept in that word rather than only in the end token; returns
     * this (0: no such term).
     */
    public ContrastiveClip withChangedWordMargin(double margin) {
        if (!(margin >= 0) || Double.isInfinite(margin) || (margin > 0 && textModel == null)) {
            throw new IllegalArgumentException("the changed-word margin needs a finite value ≥ 0 and a text-model tower, got " + margin);
        }
        this.wordMargin = margin;
        return this;
    }

    /**
     * How much the text model's states after the changed word move when caption i becomes {@code twins.get(i)}
     * (one word changed): the mean squared difference of {@code last_hidden_state} per element over the positions
     * after the first differing token, the end token excepted (it must still tell the captions apart, CLIP reads it).
     * A causal encoder whose states ignore a preceding colour word gives 0, so the shape word after a colour never
     * seen with it ("purple triangle") is the state the UNet already knows. The catch, measured on the shapes world
     * (docs/shapes-world.md): those later tokens are also the only ones that can bind the colour to a word that
     * follows it (its place), so over every position the term breaks binding. Rows whose twins tokenise to another
     * length are skipped; with none left the result is 0.
     */
    public NDArray contextInvariance(List<String> captions, List<String> twins, NDManager m) {
        return contextInvariance(captions, twins, 0, m);
    }

    /**
     * {@link #contextInvariance(List, List, NDManager)} over the {@code span} positions after the first differing token
     * only (0: every position up to the end of the sequence, the end token excepted).
     */
    public NDArray contextInvariance(List<String> captions, List<String> twins, int span, NDManager m) {
        return twinTerms(captions, twins, span, 0, m)[0];
    }

    /**
     * How far short of {@code margin} the changed word's own vector moves when caption i becomes {@code twins.get(i)}:
     * the mean over rows of max(0, margin² − ‖h − h'‖² / ‖h‖²) at the first differing token ({@code last_hidden_state}).
     * 0 when every changed word moves by at least {@code margin} times its size; same rows as {@link #contextInvariance}.
     */
    public NDArray changedWordShortfall(List<String> captions, List<String> twins, double margin, NDManager m) {
        return twinTerms(captions, twins, 0, margin, m)[1];
    }

    /** {contextInvariance over span, changed-word shortfall under margin} from one text forward of both captions. */
    private NDArray[] twinTerms(List<String> captions, List<String> twins, int span, double margin, NDManager m) {
        if (textModel == null || captions.size() != twins.size() || captions.isEmpty()) {
            throw new IllegalArgumentException("context invariance needs a text-model tower and one twin per caption, got "
                    + captions.size() + " captions and " + twins.size() + " twins");
        }
        // rows whose twin differs and tokenises to the same length; identical twins (zero mask) are not encoded at all
        List<int[]> kept = new ArrayList<>();
        List<int[]> keptTwins = new ArrayList<>();
        List<int[]> ranges = new ArrayList<>();   // {first changed token, end position}
        for (int i = 0; i < captions.size(); i++) {
            TokenizedPrompt a = tokenizer.inspect(captions.get(i));
            TokenizedPrompt t = tokenizer.inspect(twins.get(i));
            int[] ia = a.ids();
            int[] it = t.ids();
            int first = 0;
            while (first < ia.length && ia[first] == it[first]) {
                first++;
            }
            if (first < ia.length && a.eosPosition() == t.eosPosition()) {
                kept.add(ia);
                keptTwins.add(it);
                ranges.add(new int[] {first, a.eosPosition()});
            }
        }
        if (kept.isEmpty()) {
            return new NDArray[] {m.zeros(new Shape()), m.zeros(new Shape())};
        }
        int b = kept.size();
        int len = kept.get(0).length;
        long[] flat = new long[2 * b * len];
        float[] mask = new float[b * len];
        float[] changed = new float[b * len];
        int count = 0;
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < len; t++) {
                flat[i * len + t] = kept.get(i)[t];
                flat[(b + i) * len + t] = keptTwins.get(i)[t];
            }
            int first = ranges.get(i)[0];
            changed[i * len + first] = 1;
            int last = span > 0 ? Math.min(len, first + 1 + span) : len;
            for (int t = first + 1; t < last; t++) {
                if (t != ranges.get(i)[1]) {
                    mask[i * len + t] = 1;
                    count++;
                }
            }
        }
        NDArray ids = m.create(flat, new Shape(2L * b, len));              // (2B, L)
        NDArray h = textModel.encode(ids).lastHiddenState();               // (2B, L, D)
        long d = h.getShape().get(2);
        NDArray own = h.get("0:" + b);                                      // (B, L, D)
        NDArray diff = own.sub(h.get(b + ":"));                             // (B, L, D)
        NDArray perPosition = diff.square().sum(new int[] {2});             // (B, L, D) -> (B, L)
        NDArray w = dev.diffusionlab.nn.Ops.constant(m, mask, new Shape(b, len), perPosition.getDataType());
        NDArray invariance = dev.diffusionlab.nn.Ops.div(perPosition.mul(w).sum(), Math.max(1, count) * (double) d);
        NDArray shortfall = m.zeros(new Shape());
        if (margin > 0) {
            NDArray c = dev.diffusionlab.nn.Ops.constant(m, changed, new Shape(b, len), perPosition.getDataType());
            NDArray moved = perPosition.mul(c).sum(new int[] {1});                          // (B, L) -> (B,): ‖h − h'‖² at the word
            NDArray size = own.square().sum(new int[] {2}).mul(c).sum(new int[] {1});       // (B,): ‖h‖² there
            NDArray relative = moved.div(size.add(dev.diffusionlab.nn.Ops.constant(m, new float[] {1e-6f}, new Shape(), size.getDataType())));
            NDArray marginSq = dev.diffusionlab.nn.Ops.constant(m, new float[] {(float) (margin * margin)}, new Shape(), relative.getDataType());
            shortfall = dev.diffusionlab.nn.Ops.div(marginSq.sub(relative).getNDArrayInternal().relu().sum(), b);
        }
        return new NDArray[] {invariance, shortfall};
    }

    /** (B, 3, S, S) pictures in [-1, 1] -> (B, E) unit vectors. */
    public NDArray encodeImages(NDArray images) {
        Shape s = images.getShape();
        long b = s.get(0);
        if (conv1 != null) {
            NDArray f = conv1.forward(images).getNDArrayInternal().relu();  // (B, 3, S, S) -> (B, 32, S/2, S/2)
            f = conv2.forward(f).getNDArrayInternal().relu();                // -> (B, 64, S/4, S/4)
            f = conv3.forward(f).getNDArrayInternal().relu();                // -> (B, 64, S/8, S/8)
            NDArray h = img1.forward(f.reshape(b, pixels)).getNDArrayInternal().relu(); // (B, 64·S²/64) -> (B, hidden)
            return normalize(img2.forward(h));
        }
        NDArray pooled = images.reshape(b, 3, s.get(2) / 2, 2, s.get(3) / 2, 2).mean(new int[] {5}).mean(new int[] {3}); // (B, 3, S, S) -> (B, 3, S/2, S/2)
        NDArray h = img1.forward(pooled.reshape(b, pixels)).getNDArrayInternal().relu();              // (B, 3·S²/4) -> (B, hidden)
        return normalize(img2.forward(h));                                                             // (B, hidden) -> (B, E)
    }

    /** Pictures -> (B, E) unit vectors. */
    public NDArray encodeImages(List<BufferedImage> images, NDManager m) {
        return encodeImages(ImageTensors.toBatch(m, images));
    }

    /** Captions -> (C, E) unit vectors; words beyond {@code maxWords} are dropped, unknown words share one id. */
    public NDArray encodeTexts(List<String> captions, NDManager m) {
        if (textModel != null) {
            NDArray pooled = textModel.encode(tokenizer.encodeBatch(captions, m)).pooledOutput(); // (C, D) at the end token
            return normalize(textProjection.forward(pooled));                                       // (C, D) -> (C, E)
        }
        int w = config.maxWords();
        float[] ids = new float[captions.size() * w];
        for (int i = 0; i < captions.size(); i++) {
            String[] ws = captions.get(i).toLowerCase(Locale.ROOT).trim().split("\\s+");
            for (int k = 0; k < Math.min(w, ws.length); k++) {
                ids[i * w + k] = index.getOrDefault(ws[k], 1);
            }
        }
        NDArray idArr = m.create(ids, new Shape(captions.size(), w));                  // (C, W)
        NDArray pos = m.arange(0, w).toType(DataType.FLOAT32, false);                   // (W)
        NDArray e = words.forward(idArr).add(positions.forward(pos).expandDims(0));     // (C, W, d) + (1, W, d)
        NDArray h = txt1.forward(e.reshape(captions.size(), (long) w * config.wordDim())).getNDArrayInternal().relu(); // (C, W·d) -> (C, hidden)
        return normalize(txt2.forward(h));                                              // (C, hidden) -> (C, E)
    }

    /** Cosine similarities of unit vectors: (B, E) × (C, E) -> (B, C). */
    public NDArray similarity(NDArray imageEmb, NDArray textEmb) {
        return imageEmb.matMul(textEmb.transpose());
    }

    /** Probabilities over the captions for each picture: softmax of similarity / temperature, (B, C). */
    public NDArray captionProbabilities(NDArray imageEmb, NDArray textEmb) {
        return similarity(imageEmb, textEmb).div(config.temperature()).softmax(1);
    }

    /** The symmetric InfoNCE loss of a batch of matching (picture i, caption i) pairs. */
    public NDArray infoNce(NDArray imageEmb, NDArray textEmb) {
        // scalars through Ops: autograd keeps a DJL scalar operand, which the garbage collector may free before backward
        NDArray logits = dev.diffusionlab.nn.Ops.div(similarity(imageEmb, textEmb), config.temperature()); // (B, B)
        NDArray eye = logits.getManager().eye((int) logits.getShape().get(0));
        NDArray toText = logits.logSoftmax(1).mul(eye).sum(new int[] {1}).mean();  // log p(caption i | picture i)
        NDArray toImage = logits.logSoftmax(0).mul(eye).sum(new int[] {0}).mean(); // log p(picture i | caption i)
        return dev.diffusionlab.nn.Ops.div(toText.add(toImage), -2);
    }

    /**
     * Trains for {@code config.steps()} Adam steps, step k on {@code data.apply(k)} (each step in its own
     * sub-manager, so memory stays flat), and returns the InfoNCE loss per step (without the context-invariance term).
     */
    public List<Float> train(IntFunction<Batch> data, NDManager base) {
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) config.lr())).build();
        List<Float> losses = new ArrayList<>();
        Map<String, NDArray> params = new java.util.LinkedHashMap<>(namedParameters());
        if (textModel != null) {
            textModel.namedParameters().forEach((k, v) -> params.put("text_model/" + k, v));
            textModel.setRequiresGradient(true);
        }
        setRequiresGradient(true);
        try {
            for (int step = 0; step < config.steps(); step++) {
                try (NDManager sm = base.newSubManager()) {
                    Batch b = data.apply(step);
                    NDArray x = ImageTensors.toBatch(sm, b.images());
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray nce = infoNce(encodeImages(x), encodeTexts(b.captions(), sm));
                        NDArray loss = nce;
                        if (contextInvariance > 0 && b.contextTwins() != null) {
                            NDArray[] terms = twinTerms(b.captions(), b.contextTwins(), contextSpan, wordMargin, sm);
                            lastInvariance = terms[0].getFloat();
                            lastWordShift = terms[1].getFloat();
                            loss = nce.add(dev.diffusionlab.nn.Ops.mul(terms[0].add(terms[1]), contextInvariance));
                        }
                        gc.backward(loss);
                        losses.add(nce.getFloat()); // the InfoNCE part: the figure the callers print as such
                    }
                    for (Map.Entry<String, NDArray> e : params.entrySet()) {
                        NDArray g = e.getValue().getGradient(); // a new handle on the gradient: attach it to the step
                        g.attach(sm);
                        adam.update(e.getKey(), e.getValue(), g);
                    }
                }
            }
        } finally {
            setRequiresGradient(false);
            if (textModel != null) {
                textModel.setRequiresGradient(false);
            }
        }
        return losses;
    }

    /** The {@link #changedWordShortfall} of the last trained batch that had context twins (NaN: none yet). */
    public float lastChangedWordShortfall() {
        return lastWordShift;
    }

    /** The {@link #contextInvariance} of the last trained batch that had context twins (NaN: none yet). */
    public float lastContextInvariance() {
        return lastInvariance;
    }

    /** Fraction of pictures whose most similar caption, among the given ones, is their own (index i for picture i). */
    public double retrievalAccuracy(List<BufferedImage> images, List<String> captions, NDManager m) {
        try (NDManager sm = m.newSubManager()) {
            float[] best = similarity(encodeImages(images, sm), encodeTexts(captions, sm)).argMax(1).toType(DataType.FLOAT32, false).toFloatArray();
            int hit = 0;
            for (int i = 0; i < best.length; i++) {
                hit += captions.get((int) best[i]).equals(captions.get(i)) ? 1 : 0;
            }
            return hit / (double) best.length;
        }
    }

    private static NDArray normalize(NDArray x) {
        return x.div(x.norm(new int[] {1}, true).add(1e-6f)); // (N, E) / (N, 1)
    }
}
