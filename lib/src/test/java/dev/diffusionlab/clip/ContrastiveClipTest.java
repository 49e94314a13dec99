package dev.diffusionlab.clip;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.shapes.ShapesSample;
import dev.diffusionlab.shapes.ShapesWorld;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A short InfoNCE run makes the tiny CLIP pick each picture's own caption far above chance. */
class ContrastiveClipTest {
    static ContrastiveClip.Batch batch(ShapesWorld world, int step, int size) {
        List<BufferedImage> pics = new ArrayList<>();
        List<String> caps = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ShapesSample s = world.sample((long) step * size + i, ShapesWorld.Split.TRAIN);
            pics.add(s.image());
            caps.add(s.caption());
        }
        return new ContrastiveClip.Batch(pics, caps);
    }

    @Test
    void aBatchNeedsOneCaptionPerPicture() {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ContrastiveClip.Batch(List.of(img, img), List.of("a red circle on the left")));
        assertTrue(e.getMessage().contains("2 pictures and 1 captions"), e.getMessage());
    }

    @Test
    void aClipTextModelAsTheTextTowerLearnsTheCaptionsAndOnlyItsOwnRowsMove() {
        ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());
        java.nio.file.Path shapes = dev.diffusionlab.core.Paths.home().resolve(dev.diffusionlab.pipeline.DefaultModel.SHAPES_RELATIVE);
        CLIPTokenizer tok = CLIPTokenizer.fromFolder(shapes.resolve("tokenizer"));
        try (NDManager m = Engines.newCpuManager();
             CLIPTextModel te = CLIPTextModel.random(CLIPTextConfig.from(dev.diffusionlab.nn.ConfigJson.parse(
                     dev.diffusionlab.shapes.ShapesModels.tiny().textEncoderJson(), "tiny te")), ai.djl.Device.cpu(),
                     ai.djl.ndarray.types.DataType.FLOAT32, 3)) {
            ContrastiveClip.Config config = new ContrastiveClip.Config(32, 128, 32, 16, 32, 150, 2e-3, 0.1, 0);
            ContrastiveClip clip = ContrastiveClip.forTextModel(config, 32, te, tok, m);
            NDArray before = te.namedParameters().get("text_model.embeddings.token_embedding.weight").duplicate();
            List<Float> losses = clip.train(step -> batch(world, step, config.batch()), m);
            double first = losses.subList(0, 10).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
            double last = losses.subList(140, 150).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
            assertTrue(first > Math.log(32) * 0.9, "untrained: loss ≈ ln 32, got " + first);
            assertTrue(last < 0.7 * first, "InfoNCE falls through the CLIP text model: " + first + " -> " + last);
            NDArray after = te.namedParameters().get("text_model.embeddings.token_embedding.weight");
            assertTrue(after.sub(before).abs().max().getFloat() > 0, "the text model's weights were not trained");
            assertFalse(clip.namedParameters().keySet().stream().anyMatch(k -> k.startsWith("text_model")),
                    "the text model is borrowed, not a part of the contrastive model: " + clip.namedParameters().keySet());
            assertTrue(clip.namedParameters().containsKey("text_projection.weight"));
            before.close();
        }
    }

    @Test
    void shortTrainingMatchesPicturesToTheirCaptions() {
        ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());
        try (NDManager m = Engines.newCpuManager()) {
            ContrastiveClip.Config config = ContrastiveClip.Config.defaults().withSteps(250);
            List<String> vocabulary = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                vocabulary.add(world.sample(i, ShapesWorld.Split.TRAIN).caption());
            }
            ContrastiveClip clip = ContrastiveClip.create(config, 32, vocabulary, m);
            List<BufferedImage> pics = new ArrayList<>();
            List<String> caps = new ArrayList<>();
            for (int i = 0; i < 32; i++) {   // pictures training never drew
                ShapesSample s = world.sample(5_000_000L + i, ShapesWorld.Split.TRAIN);
                pics.add(s.image());
                caps.add(s.caption());
            }
            double before = clip.retrievalAccuracy(pics, caps, m);
            List<Float> losses = clip.train(step -> batch(world, step, config.batch()), m);
            assertEquals(250, losses.size());
            double first = losses.subList(0, 10).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
            double last = losses.subList(240, 250).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
            assertTrue(first > Math.log(32) * 0.9, "an untrained model is near chance: loss ≈ ln 32, got " + first);
            assertTrue(last < 0.6 * first, "InfoNCE falls: " + first + " -> " + last);
            double after = clip.retrievalAccuracy(pics, caps, m);
            assertTrue(after >= 8.0 / 32, "retrieval accuracy " + after + " (chance 1/32, before training " + before + ")");
            // similarities are cosines and probabilities rows sum to 1
            NDArray p = clip.captionProbabilities(clip.encodeImages(pics, m), clip.encodeTexts(caps, m));
            assertArrayEquals(new long[] {32, 32}, p.getShape().getShape());
            for (float v : p.sum(new int[] {1}).toFloatArray()) {
                assertEquals(1.0, v, 1e-4);
            }
            NDArray self = clip.similarity(clip.encodeTexts(caps, m), clip.encodeTexts(caps, m));
            for (int i = 0; i < 32; i++) {
                assertEquals(1.0, self.getFloat(i, i), 1e-4);
            }
        }
    }
    /** Caption {@code c} with its first colour word {@code from} replaced by {@code to} (null if {@code from} is absent). */
    static String recolour(String c, String from, String to) {
        String padded = " " + c + " ";
        int at = padded.indexOf(" " + from + " ");
        return at < 0 ? null : (padded.substring(0, at + 1) + to + padded.substring(at + 1 + from.length())).trim();
    }

    private static CLIPTextModel tinyTextModel() {
        return CLIPTextModel.random(CLIPTextConfig.from(dev.diffusionlab.nn.ConfigJson.parse(
                dev.diffusionlab.shapes.ShapesModels.tiny().textEncoderJson(), "tiny te")), ai.djl.Device.cpu(),
                ai.djl.ndarray.types.DataType.FLOAT32, 3);
    }

    private static CLIPTokenizer shapesTokenizer() {
        return CLIPTokenizer.fromFolder(dev.diffusionlab.core.Paths.home().resolve(dev.diffusionlab.pipeline.DefaultModel.SHAPES_RELATIVE)
                .resolve("tokenizer"));
    }

    /** The first token position at which two captions differ. */
    private static int firstDifference(CLIPTokenizer tok, String a, String b) {
        int[] ia = tok.encode(a);
        int[] ib = tok.encode(b);
        int first = 0;
        while (ia[first] == ib[first]) {
            first++;
        }
        return first;
    }

    @Test
    void contextInvarianceIsTheMeanSquaredChangeOfTheStatesAfterTheChangedWordEndTokenExcepted() {
        CLIPTokenizer tok = shapesTokenizer();
        List<String> caps = List.of("a red circle on the left", "a large blue square at the top and a small red triangle on the right");
        List<String> twins = List.of("a green circle on the left", "a large blue square at the top and a small yellow triangle on the right");
        try (NDManager m = Engines.newCpuManager(); CLIPTextModel te = tinyTextModel()) {
            ContrastiveClip clip = ContrastiveClip.forTextModel(new ContrastiveClip.Config(32, 128, 32, 16, 32, 1, 2e-3, 0.1, 0), 32, te, tok, m);
            double got = clip.contextInvariance(caps, twins, m).getFloat();
            // the same figure from the text model's states, summed here position by position
            float[] a = te.encode(tok.encodeBatch(caps, m)).lastHiddenState().toFloatArray();
            float[] b = te.encode(tok.encodeBatch(twins, m)).lastHiddenState().toFloatArray();
            int len = tok.encode(caps.get(0)).length;
            int d = a.length / (caps.size() * len);
            double sum = 0;
            int count = 0;
            double sumNext = 0;   // span 1: the position right after the changed word only
            for (int i = 0; i < caps.size(); i++) {
                int first = firstDifference(tok, caps.get(i), twins.get(i));
                int eos = tok.inspect(caps.get(i)).eosPosition();
                for (int t = 0; t < len; t++) {
                    double sq = 0;
                    for (int k = 0; k < d; k++) {
                        double diff = a[(i * len + t) * d + k] - b[(i * len + t) * d + k];
                        sq += diff * diff;
                    }
                    if (t < first) {
                        assertEquals(0.0, sq, 1e-10, "a causal encoder's states before the changed word do not move (row " + i + ", position " + t + ")");
                    } else if (t == first) {
                        assertTrue(sq > 1e-4, "the changed word's own state moves");
                    } else if (t != eos) {
                        sum += sq;
                        count++;
                        sumNext += t == first + 1 ? sq : 0;
                    }
                }
            }
            assertEquals(sum / (count * (double) d), got, 1e-5 * Math.max(1, got));
            double next = clip.contextInvariance(caps, twins, 1, m).getFloat();
            assertEquals(sumNext / (caps.size() * (double) d), next, 1e-5 * Math.max(1, next));
            assertEquals(got, clip.contextInvariance(caps, twins, 0, m).getFloat(), 0.0, "span 0 is every position");
            assertTrue(got > 1e-4, "a random encoder mixes the colour into later states: " + got);
            assertEquals(0.0, clip.contextInvariance(caps, caps, m).getFloat(), 0.0, "identical twins");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> clip.contextInvariance(caps, twins.subList(0, 1), m));
            assertTrue(e.getMessage().contains("2 captions and 1 twins"), e.getMessage());
        }
    }

    @Test
    void changedWordShortfallIsTheHingeOnTheChangedWordsRelativeMove() {
        CLIPTokenizer tok = shapesTokenizer();
        List<String> caps = List.of("on the left a red circle", "at the top a large blue square and on the right a small red triangle");
        List<String> twins = List.of("on the left a green circle", "at the top a large blue square and on the right a small yellow triangle");
        try (NDManager m = Engines.newCpuManager(); CLIPTextModel te = tinyTextModel()) {
            ContrastiveClip clip = ContrastiveClip.forTextModel(new ContrastiveClip.Config(32, 128, 32, 16, 32, 1, 2e-3, 0.1, 0), 32, te, tok, m);
            float[] a = te.encode(tok.encodeBatch(caps, m)).lastHiddenState().toFloatArray();
            float[] b = te.encode(tok.encodeBatch(twins, m)).lastHiddenState().toFloatArray();
            int len = tok.encode(caps.get(0)).length;
            int d = a.length / (caps.size() * len);
            double[] relative = new double[caps.size()];
            for (int i = 0; i < caps.size(); i++) {
                int first = firstDifference(tok, caps.get(i), twins.get(i));
                double moved = 0;
                double size = 0;
                for (int k = 0; k < d; k++) {
                    int at = (i * len + first) * d + k;
                    moved += (a[at] - b[at]) * (a[at] - b[at]);
                    size += a[at] * a[at];
                }
                relative[i] = moved / size;
            }
            for (double margin : new double[] {0.05, 0.5, 2.0}) {
                double want = 0;
                for (double r : relative) {
                    want += Math.max(0, margin * margin - r) / relative.length;
                }
                double got = clip.changedWordShortfall(caps, twins, margin, m).getFloat();
                assertEquals(want, got, 1e-5 * Math.max(1, want), "margin " + margin + ", relative moves " + java.util.Arrays.toString(relative));
            }
            assertTrue(clip.changedWordShortfall(caps, twins, 2.0, m).getFloat() > 0, "a move of twice the vector's size is out of reach");
            assertEquals(0.0, clip.changedWordShortfall(caps, twins, 1e-4, m).getFloat(), 0.0, "any real change clears a tiny margin");
            assertEquals(0.0, clip.changedWordShortfall(caps, caps, 1.0, m).getFloat(), 0.0, "identical twins are skipped");
            assertThrows(IllegalArgumentException.class, () -> clip.withChangedWordMargin(-0.5));
        }
    }

    @Test
    void trainingWithColourTwinsMakesTheShapeWordIgnoreAColourItNeverFollowed() {
        ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());
        CLIPTokenizer tok = shapesTokenizer();
        String[] colours = {"red", "green", "blue", "yellow", "purple", "orange"};
        // the probe: "X triangle" against "purple triangle", a pair the training twins never form
        List<String> probe = new ArrayList<>();
        List<String> probeTwins = new ArrayList<>();
        for (int i = 0; probe.size() < 16; i++) {
            String c = world.sample(50_000 + i, ShapesWorld.Split.TRAIN).caption();
            for (String x : colours) {
                String t = c.contains(x + " triangle") && !c.contains("purple") ? c.replace(x + " triangle", "purple triangle") : null;
                if (t != null && probe.size() < 16) {
                    probe.add(c);
                    probeTwins.add(t);
                }
            }
        }
        double[] after = new double[2];
        for (int run = 0; run < 2; run++) {
            try (NDManager m = Engines.newCpuManager(); CLIPTextModel te = tinyTextModel()) {
                ContrastiveClip.Config config = new ContrastiveClip.Config(32, 128, 32, 16, 32, 100, 2e-3, 0.1, 0);
                ContrastiveClip clip = ContrastiveClip.forTextModel(config, 32, te, tok, m).withContextInvariance(run == 0 ? 0 : 1.0);
                java.util.Random rnd = new java.util.Random(1);
                List<Float> losses = clip.train(step -> {
                    ContrastiveClip.Batch b = batch(world, step, config.batch());
                    List<String> twins = new ArrayList<>();
                    for (String c : b.captions()) {
                        String t = null;
                        for (int k = 0; k < 20 && (t == null || t.contains("purple triangle")); k++) {
                            t = recolour(c, colours[rnd.nextInt(colours.length)], colours[rnd.nextInt(colours.length)]);
                        }
                        twins.add(t == null || t.contains("purple triangle") ? c : t);
                    }
                    return new ContrastiveClip.Batch(b.images(), b.captions(), twins);
                }, m);
                assertTrue(Float.isFinite(losses.get(losses.size() - 1)));
                after[run] = clip.contextInvariance(probe, probeTwins, m).getFloat();
                assertEquals(run == 0, Float.isNaN(clip.lastContextInvariance()), "the term runs only with a weight");
                if (run == 1) {
                    assertThrows(IllegalArgumentException.class, () -> clip.withContextInvariance(-1));
                }
            }
        }
        assertTrue(after[1] < 0.3 * after[0], "X triangle -> purple triangle moves the later states " + after[0] + " without the term, "
                + after[1] + " with it");
    }
}
