package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.clip.TokenizedPrompt;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.AttentionCall;
import dev.diffusionlab.nn.Ops;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token-level attention loss against its closed forms: uniform attention, attention that stays on the objects. */
class AttentionSupervisionTest {
    @TempDir
    Path dir;
    private CLIPTokenizer tok;
    private ShapesSample sample;
    private static final int H = 2;
    private static final int R = 16; // a 16×16 layer on a 64×64 picture: 4×4-pixel cells
    private static final int L = 32;

    @BeforeEach
    void setUp() {
        ShapesVocabulary.write(dir, L);
        tok = CLIPTokenizer.fromFolder(dir);
        ShapesWorldV2 world = new ShapesWorldV2(ShapesWorldV2.Config.defaults());
        for (long i = 0; ; i++) {
            sample = world.sample(i, ShapesWorldV2.Split.TRAIN);
            if (sample.objects().size() == 2) {
                break;
            }
        }
    }

    @Test
    void uniformAttentionScoresOneMinusEachObjectsAreaShareSquared() {
        // uniform attention gives every token the same mass on every pixel: the share inside a word's object is the
        // object's area share, so the loss is the mean over the content-word tokens of (1 - area share)²
        double expected = 0;
        int tokens = 0;
        for (ShapesSample.WordMask wm : sample.wordMasks()) {
            double share = count(wm.mask()) / (64.0 * 64.0);
            expected += Math.pow(1 - share, 2);
            tokens++;
        }
        expected /= tokens;
        try (NDManager m = Engines.newCpuManager()) {
            AttentionSupervision sup = new AttentionSupervision(List.of(sample, sample), List.of(sample.caption(), ""), tok, m);
            NDArray probs = m.full(new Shape(2L * H, R * R, L), 1f / L);
            assertSame(probs, sup.onAttention(new AttentionCall("up_blocks.1.attentions.0.transformer_blocks.0.attn2", true, H, 2, R, R, L), probs));
            // self-attention is not supervised: no term
            sup.onAttention(new AttentionCall("up_blocks.1.attentions.0.transformer_blocks.0.attn1", false, H, 2, R, R, R * R),
                    m.full(new Shape(2L * H, R * R, R * R), 1f / (R * R)));
            assertEquals(expected, sup.loss().getFloat(), 1e-5);
            assertTrue(expected > 0.8, "objects cover a few per cent of the picture: " + expected);
        }
    }

    @Test
    void attentionThatStaysInsideEachObjectScoresZero() {
        TokenizedPrompt p = tok.inspect(sample.caption());
        // cells fully inside an object share their mass among that object's word tokens; every other cell
        // attends to the start token, so each row still sums to 1
        float[] probs = new float[H * R * R * L];
        for (int cell = 0; cell < R * R; cell++) {
            List<Integer> owners = new ArrayList<>();
            for (ShapesSample.WordMask wm : sample.wordMasks()) {
                if (covered(wm.mask(), cell)) {
                    for (int pos : p.positionsOfWord(wm.word().index())) {
                        owners.add(pos);
                    }
                }
            }
            for (int h = 0; h < H; h++) {
                int row = (h * R * R + cell) * L;
                if (owners.isEmpty()) {
                    probs[row] = 1;
                } else {
                    owners.forEach(pos -> probs[row + pos] = 1f / owners.size());
                }
            }
        }
        try (NDManager m = Engines.newCpuManager()) {
            AttentionSupervision sup = new AttentionSupervision(List.of(sample), List.of(sample.caption()), tok, m);
            NDArray a = Ops.constant(m, probs, new Shape(H, R * R, L), DataType.FLOAT32);
            sup.onAttention(new AttentionCall("mid_block.attentions.0.transformer_blocks.0.attn2", true, H, 1, R, R, L), a);
            assertEquals(0, sup.loss().getFloat(), 1e-6);
        }
    }

    @Test
    void attentionThatIgnoresTheWordsScoresOneNotZero() {
        // every pixel attends to the start token only: no content word gets any attention. That must cost the
        // most (1), or a run learns to starve the words instead of placing them (it did, with (whole - inside)/whole)
        float[] probs = new float[H * R * R * L];
        for (int row = 0; row < H * R * R; row++) {
            probs[row * L] = 1;
        }
        try (NDManager m = Engines.newCpuManager()) {
            AttentionSupervision sup = new AttentionSupervision(List.of(sample), List.of(sample.caption()), tok, m);
            sup.onAttention(new AttentionCall("mid_block.attentions.0.transformer_blocks.0.attn2", true, H, 1, R, R, L),
                    Ops.constant(m, probs, new Shape(H, R * R, L), DataType.FLOAT32));
            assertEquals(1, sup.loss().getFloat(), 1e-6);
        }
    }

    @Test
    void aShapeWeightScalesTheShapeWordsTermsOnly() {
        // no content word gets attention: every supervised token's term is 1, so the loss is
        // (others + k · shape words) / supervised, a closed form in the shape weight k
        long shapeTokens = tokensOf(Caption.WordKind.SHAPE);
        assertTrue(shapeTokens > 0, "the sample names a shape");
        try (NDManager m = Engines.newCpuManager()) {
            for (double k : new double[] {0, 1, 3}) {
                AttentionSupervision sup = supervisedWithNoContentAttention(m, k, 1);
                double n = sup.supervised();
                assertEquals((n - shapeTokens + k * shapeTokens) / n, sup.loss().getFloat(), 1e-6, "shape weight " + k);
            }
        }
    }

    @Test
    void aPlaceWeightScalesThePlaceWordsTermsOnly() {
        // as above: every term is 1, so the loss is (others + s · shape words + q · place words) / supervised
        long shapeTokens = tokensOf(Caption.WordKind.SHAPE);
        long placeTokens = tokensOf(Caption.WordKind.POSITION);
        assertTrue(placeTokens > 0, "the sample names a place: " + sample.caption());
        try (NDManager m = Engines.newCpuManager()) {
            for (double[] sq : new double[][] {{1, 0}, {1, 2.5}, {1.5, 1.3}}) {
                AttentionSupervision sup = supervisedWithNoContentAttention(m, sq[0], sq[1]);
                double n = sup.supervised();
                double expected = (n - shapeTokens - placeTokens + sq[0] * shapeTokens + sq[1] * placeTokens) / n;
                assertEquals(expected, sup.loss().getFloat(), 1e-6, "shape weight " + sq[0] + ", place weight " + sq[1]);
            }
        }
    }

    @Test
    void theBoostAppliesOnlyToRowsBelowTheRecipesTimestep() {
        // two copies of the sample at timesteps 100 and 800 with the boost below 500: only the first row's shape and
        // place terms are weighted, the second row counts every word once; every term is 1 as above
        long shapeTokens = tokensOf(Caption.WordKind.SHAPE);
        long placeTokens = tokensOf(Caption.WordKind.POSITION);
        ShapesRecipe recipe = ShapesRecipe.v2().withAttentionShapeWeight(1.75).withAttentionPlaceWeight(1.3).withAttentionBoostBelow(500);
        int[] t = {100, 800};
        try (NDManager m = Engines.newCpuManager()) {
            AttentionSupervision sup = withNoContentAttention(m, 2, new AttentionSupervision(List.of(sample, sample),
                    List.of(sample.caption(), sample.caption()), tok, m, (row, kind) -> recipe.attentionWeight(kind, t[row])));
            double n = sup.supervised();
            double perRow = n / 2;
            double boosted = perRow - shapeTokens - placeTokens + 1.75 * shapeTokens + 1.3 * placeTokens;
            assertEquals((boosted + perRow) / n, sup.loss().getFloat(), 1e-6);
        }
        assertEquals(1.75, recipe.attentionWeight(Caption.WordKind.SHAPE, 499));
        assertEquals(1, recipe.attentionWeight(Caption.WordKind.SHAPE, 500), "the boost stops at the timestep itself");
        assertEquals(1, recipe.attentionWeight(Caption.WordKind.COLOUR, 0), "colour and size words are never boosted");
        assertEquals(1.3, recipe.withAttentionBoostBelow(0).attentionWeight(Caption.WordKind.POSITION, 999), "0: the boost at every timestep");
    }

    /** How many tokens the sample's words of {@code kind} take. */
    private long tokensOf(Caption.WordKind kind) {
        TokenizedPrompt p = tok.inspect(sample.caption());
        return sample.wordMasks().stream().filter(w -> w.word().kind() == kind).mapToLong(w -> p.positionsOfWord(w.word().index()).length).sum();
    }

    /** Supervision of the sample with the given shape and place weights after one call whose attention all goes to token 0 (no content word). */
    private AttentionSupervision supervisedWithNoContentAttention(NDManager m, double shapeWeight, double placeWeight) {
        return withNoContentAttention(m, 1, new AttentionSupervision(List.of(sample), List.of(sample.caption()), tok, m, shapeWeight, placeWeight));
    }

    /** {@code sup} (a batch of {@code batch} rows) after one call whose attention all goes to token 0 (no content word). */
    private AttentionSupervision withNoContentAttention(NDManager m, int batch, AttentionSupervision sup) {
        float[] probs = new float[batch * H * R * R * L];
        for (int row = 0; row < batch * H * R * R; row++) {
            probs[row * L] = 1;
        }
        sup.onAttention(new AttentionCall("mid_block.attentions.0.transformer_blocks.0.attn2", true, H, batch, R, R, L),
                Ops.constant(m, probs, new Shape((long) batch * H, R * R, L), DataType.FLOAT32));
        return sup;
    }

    @Test
    void droppedCaptionsAreNotSupervisedAndAMismatchIsRefused() {
        try (NDManager m = Engines.newCpuManager()) {
            assertFalse(new AttentionSupervision(List.of(sample), List.of(""), tok, m).active());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new AttentionSupervision(List.of(sample), List.of("a red circle on the left"), tok, m));
            assertTrue(e.getMessage().contains("row 0"), e.getMessage());
            AttentionSupervision sup = new AttentionSupervision(List.of(sample), List.of(sample.caption()), tok, m);
            IllegalStateException s = assertThrows(IllegalStateException.class, sup::loss);
            assertTrue(s.getMessage().contains("no cross-attention call"), s.getMessage());
        }
    }

    @Test
    void itsGradientSurvivesAGarbageCollectionBetweenForwardAndBackward() {
        // the trainer's first version of this loss used DJL scalar operands (x.div(3f)); autograd kept them and read
        // freed memory after a collection: NaN weights a few hundred steps into a run. Gradients must not change.
        try (NDManager m = Engines.newCpuManager()) {
            float[] quiet = gradient(m, false);
            float[] churned = gradient(m, true);
            assertArrayEquals(quiet, churned, "gradient changed after a garbage collection");
            double sum = 0;
            for (float v : quiet) {
                assertTrue(Float.isFinite(v));
                sum += Math.abs(v);
            }
            assertTrue(sum > 0, "the loss reaches the attention scores");
        }
    }

    private float[] gradient(NDManager m, boolean churn) {
        try (NDManager s = m.newSubManager()) {
            NDArray scores = s.arange(0, H * R * R * L, 1, DataType.FLOAT32).reshape(H, R * R, L).sin().mul(3f);
            scores.setRequiresGradient(true);
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                AttentionSupervision sup = new AttentionSupervision(List.of(sample), List.of(sample.caption()), tok, s);
                sup.onAttention(new AttentionCall("mid_block.attentions.0.transformer_blocks.0.attn2", true, H, 1, R, R, L), scores.softmax(-1));
                NDArray loss = sup.loss();
                if (churn) {
                    for (int round = 0; round < 3; round++) {
                        System.gc();
                        List<java.nio.ByteBuffer> keep = new ArrayList<>();
                        for (int i = 0; i < 20_000; i++) {
                            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 + (i % 16) * 4);
                            while (b.hasRemaining()) {
                                b.put((byte) 0xFF);
                            }
                            keep.add(b);
                        }
                    }
                }
                gc.backward(loss);
            }
            return scores.getGradient().toFloatArray();
        }
    }

    private static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        return n;
    }

    private static boolean covered(boolean[] mask, int cell) {
        int cy = cell / R;
        int cx = cell % R;
        for (int y = cy * 4; y < cy * 4 + 4; y++) {
            for (int x = cx * 4; x < cx * 4 + 4; x++) {
                if (!mask[y * 64 + x]) {
                    return false;
                }
            }
        }
        return true;
    }
}
