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
}
