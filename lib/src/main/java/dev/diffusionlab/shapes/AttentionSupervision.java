package dev.diffusionlab.shapes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.clip.TokenizedPrompt;
import dev.diffusionlab.nn.AttentionCall;
import dev.diffusionlab.nn.AttentionHook;
import dev.diffusionlab.nn.Ops;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Token-level attention supervision for one training batch (TokenCompose, Wang et al., CVPR 2024): every content
 * word of a caption (size, colour, shape, place) should spend its cross-attention on its own object. Installed as
 * the UNet's attention hook for one forward pass, it adds for each cross-attention call the mean over the heads
 * and over the batch's content-word tokens of {@code (1 − mass inside the object / whole mass)²}, where a token's
 * mass is the sum of its attention probabilities over the query pixels and the object mask is average-pooled to
 * the layer's resolution. {@link #loss()} is the mean over the calls.
 *
 * <p>Why the shapes world needs it: with a causal text encoder the last word of an object's phrase (its place)
 * has seen the colour and the shape words too, so the UNet can read the whole object from that one token and
 * leaves the colour and shape tokens to the background (docs/shapes-world.md measures it). The ground-truth
 * masks that every training picture comes with say where each word belongs.
 */
final class AttentionSupervision implements AttentionHook {
    private final NDManager manager;
    private final int batch;
    private final int side;
    private final int keys;
    /** Per batch row: token position -> the pixel mask of its object (side·side, row-major). */
    private final List<Map<Integer, boolean[]>> tokenMasks = new ArrayList<>();
    /** Per batch row: token position -> its weight in the loss (1, or the shape or place weight). */
    private final List<Map<Integer, Float>> tokenWeights = new ArrayList<>();
    private final int supervised;
    private final Map<Integer, NDArray> targets = new HashMap<>();
    private NDArray weights;
    private final List<NDArray> terms = new ArrayList<>();

    /**
     * @param samples the batch's training pictures (their word masks)
     * @param captions the captions the UNet is conditioned on, row by row ("" where classifier-free dropout removed
     *                 the caption: that row is not supervised)
     */
    AttentionSupervision(List<ShapesSample> samples, List<String> captions, CLIPTokenizer tokenizer, NDManager manager) {
        this(samples, captions, tokenizer, manager, 1, 1);
    }

    /**
     * As above, with each shape word's term weighted {@code shapeWeight} and each place word's {@code placeWeight} times the
     * size and colour words' (the denominator stays the count of supervised tokens; {@link ShapesRecipe#attentionShapeWeight()},
     * {@link ShapesRecipe#attentionPlaceWeight()}).
     */
    AttentionSupervision(List<ShapesSample> samples, List<String> captions, CLIPTokenizer tokenizer, NDManager manager, double shapeWeight,
                         double placeWeight) {
        this(samples, captions, tokenizer, manager, (row, kind) -> kindWeight(kind, shapeWeight, placeWeight));
    }

    /** A word's weight in the loss: {@code shapeWeight} for a shape word, {@code placeWeight} for a place word, 1 otherwise. */
    static double kindWeight(Caption.WordKind kind, double shapeWeight, double placeWeight) {
        return switch (kind) {
            case SHAPE -> shapeWeight;
            case POSITION -> placeWeight;
            default -> 1;
        };
    }

    /**
     * As above, each word's term weighted {@code weight.applyAsDouble(row, kind)} (the trainer's
     * {@link ShapesRecipe#attentionWeight}, which depends on the row's timestep).
     */
    AttentionSupervision(List<ShapesSample> samples, List<String> captions, CLIPTokenizer tokenizer, NDManager manager,
                         java.util.function.ToDoubleBiFunction<Integer, Caption.WordKind> weight) {
        if (samples.size() != captions.size() || samples.isEmpty()) {
            throw new IllegalArgumentException("attention supervision needs one caption per sample, got " + samples.size() + " samples and "
                    + captions.size() + " captions");
        }
        this.manager = manager;
        this.batch = samples.size();
        this.side = samples.get(0).width();
        this.keys = tokenizer.modelMaxLength();
        int count = 0;
        for (int b = 0; b < batch; b++) {
            Map<Integer, boolean[]> m = new HashMap<>();
            Map<Integer, Float> wt = new HashMap<>();
            ShapesSample s = samples.get(b);
            if (!captions.get(b).isEmpty()) {
                if (!captions.get(b).equals(s.caption())) {
                    throw new IllegalArgumentException("row " + b + ": caption \"" + captions.get(b) + "\" is not the sample's \"" + s.caption() + "\"");
                }
                TokenizedPrompt p = tokenizer.inspect(s.caption());
                for (ShapesSample.WordMask wm : s.wordMasks()) {
                    if (!p.words().get(wm.word().index()).equals(wm.word().text())) {
                        throw new IllegalStateException("word " + wm.word().index() + " of \"" + s.caption() + "\" is '" + wm.word().text()
                                + "' but the tokenizer's word is '" + p.words().get(wm.word().index()) + "'");
                    }
                    for (int pos : p.positionsOfWord(wm.word().index())) {
                        m.put(pos, wm.mask());
                        wt.put(pos, (float) weight.applyAsDouble(b, wm.word().kind()));
                        count++;
                    }
                }
            }
            tokenMasks.add(m);
            tokenWeights.add(wt);
        }
        this.supervised = count;
    }

    /** How many (row, token) pairs are supervised: the loss's denominator, a slice's weight in a data-parallel step. */
    int supervised() {
        return supervised;
    }

    /** True when some row has a supervised word (a batch of dropped captions has none). */
    boolean active() {
        return supervised > 0;
    }

    @Override
    public NDArray onAttention(AttentionCall call, NDArray probs) {
        if (!call.cross() || supervised == 0) {
            return probs;
        }
        if (call.batch() != batch || call.keyLength() != keys) {
            throw new IllegalStateException("attention call " + call.layer() + " has batch " + call.batch() + " and " + call.keyLength()
                    + " keys; the supervision was built for " + batch + " and " + keys);
        }
        long n = (long) call.queryHeight() * call.queryWidth();
        NDArray t = target(call.queryHeight(), call.queryWidth(), probs.getDataType()); // (B, N, L)
        NDArray p = probs.reshape(batch, call.heads(), n, keys);                       // (B·H, N, L) -> (B, H, N, L)
        NDArray inside = p.mul(t.expandDims(1)).sum(new int[] {2});                     // (B, H, L)
        NDArray whole = p.sum(new int[] {2});                                           // (B, H, L)
        // scalars through Ops: a DJL scalar operand that autograd keeps would be read from freed memory (docs/shapes-world.md)
        // 1 - inside/whole, not (whole - inside)/whole: the two differ where a word gets no attention at all, and the
        // second scores that 0, so a run learnt to starve every content word (docs/shapes-world.md); here it scores 1
        NDArray miss = inside.div(whole.add(1e-8f)).neg().add(1f).square();              // (1 - share inside)², (B, H, L)
        NDArray term = Ops.div(miss.mul(weights(probs.getDataType()).expandDims(1)).sum(), (double) call.heads() * supervised);
        term.attach(manager); // outlives the attention call's scope: it joins the loss
        terms.add(term);
        return probs;
    }

    /** The mean supervision loss over the cross-attention calls seen so far (a 0-d array in the batch's manager). */
    NDArray loss() {
        if (terms.isEmpty()) {
            throw new IllegalStateException("no cross-attention call was supervised: is the hook installed on the UNet?");
        }
        NDArray sum = terms.get(0);
        for (int i = 1; i < terms.size(); i++) {
            sum = sum.add(terms.get(i));
        }
        return Ops.div(sum, terms.size());
    }

    /** (B, L): a supervised token's weight (1, or the shape or place weight), 0 elsewhere. */
    private NDArray weights(DataType dt) {
        if (weights == null) {
            float[] w = new float[batch * keys];
            for (int b = 0; b < batch; b++) {
                for (Map.Entry<Integer, Float> e : tokenWeights.get(b).entrySet()) {
                    w[b * keys + e.getKey()] = e.getValue();
                }
            }
            weights = Ops.constant(manager, w, new Shape(batch, keys), dt);
        }
        return weights;
    }

    /** (B, h·w, L): the share of each h×w cell covered by each supervised token's object (0 for other tokens). */
    private NDArray target(int h, int w, DataType dt) {
        if (side % h != 0 || side % w != 0 || side / h != side / w) {
            throw new IllegalStateException("a " + h + "×" + w + " attention map does not tile the " + side + "×" + side + " picture");
        }
        return targets.computeIfAbsent(h * 100_000 + w, k -> {
            int f = side / h;
            float[] t = new float[batch * h * w * keys];
            for (int b = 0; b < batch; b++) {
                for (Map.Entry<Integer, boolean[]> e : tokenMasks.get(b).entrySet()) {
                    boolean[] mask = e.getValue();
                    for (int y = 0; y < side; y++) {
                        for (int x = 0; x < side; x++) {
                            if (mask[y * side + x]) {
                                int cell = (y / f) * w + x / f;
                                t[(b * h * w + cell) * keys + e.getKey()] += 1f / (f * f);
                            }
                        }
                    }
                }
            }
            return Ops.constant(manager, t, new Shape(batch, (long) h * w, keys), dt);
        });
    }
}
