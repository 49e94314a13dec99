package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.safetensors.SafetensorsFile;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v2 recipe end to end on tiny models (EMA, LR schedule, curriculum, re-ordered captions), and its schedule maths. */
class ShapesTrainerV2Test {
    @TempDir
    Path dir;

    @Test
    void tinyV2TrainingWritesALoadableFolderWithEmaWeightsAndResumes() throws Exception {
        Path out = dir.resolve("v2");
        ShapesTrainer.Config c = ShapesTrainer.Config.tinyV2(4, 8);
        ShapesTrainer.Result r = new ShapesTrainer(c).train(out);
        assertEquals(4, r.vaeStepsDone());
        assertEquals(8, r.unetStepsDone());
        assertTrue(r.unetLosses().stream().allMatch(l -> Float.isFinite(l) && l > 0), r.unetLosses().toString());
        System.out.printf("tiny v2 smoke: VAE %.3f s/step, UNet %.3f s/step (batch %d, 64×64)%n", r.vaeSecondsPerStep(),
                r.unetSecondsPerStep(), c.batchSize());
        assertTrue(Files.readString(out.resolve("recipe.json")).contains("\"ema_decay\": 0.9"));
        Path ckpt = ShapesTrainer.checkpointFor(out);
        for (String f : List.of("unet_ema/diffusion_pytorch_model.safetensors", "text_encoder_ema/model.safetensors")) {
            assertTrue(Files.isRegularFile(ckpt.resolve(f)), f);
        }
        // the folder ships the averaged weights: equal to the checkpoint's EMA, not to its last-step weights
        String key = "conv_in.weight";
        try (NDManager m = Engines.newCpuManager();
             SafetensorsFile shipped = SafetensorsFile.open(out.resolve("unet/diffusion_pytorch_model.safetensors"));
             SafetensorsFile ema = SafetensorsFile.open(ckpt.resolve("unet_ema/diffusion_pytorch_model.safetensors"));
             SafetensorsFile raw = SafetensorsFile.open(ckpt.resolve("unet/diffusion_pytorch_model.safetensors"))) {
            float[] s = shipped.load(key, m, DataType.FLOAT32).toFloatArray();
            assertArrayEquals(ema.load(key, m, DataType.FLOAT32).toFloatArray(), s);
            assertFalse(java.util.Arrays.equals(raw.load(key, m, DataType.FLOAT32).toFloatArray(), s));
        }
        try (StableDiffusionPipeline p = StableDiffusionPipeline.load(out, Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newCpuManager()) {
            StableDiffusionPipeline.Result g = p.generate(GenerationRequest.of("a red circle on the left and a blue square at the top "
                    + "and a small green triangle on the right").steps(2).guidance(3).seed(1), m);
            BufferedImage img = g.images().get(0);
            assertEquals(64, img.getWidth());
            assertEquals(List.of(1L, 4L, 16L, 16L), java.util.Arrays.stream(g.latents().getShape().getShape()).boxed().toList());
        }
        // resume: 2 more UNet steps continue the log and the EMA from the checkpoint
        ShapesTrainer.Result more = new ShapesTrainer(c.withSteps(4, 10)).train(out);
        assertEquals(10, more.unetStepsDone());
        assertEquals(2, more.unetLosses().size());
        List<String> log = Files.readAllLines(out.resolve(ShapesTrainer.LOG));
        assertEquals(1 + 4 + 10, log.size(), "header + every VAE and UNet step");
    }

    @Test
    void attentionLossAndShapeTwinsRunAndAreRecorded() throws Exception {
        Path out = dir.resolve("tc");
        ShapesTrainer.Config c = ShapesTrainer.Config.tinyV2(2, 6);
        c = c.withRecipe(c.recipe().withTextPretraining(3).withClipImages(dev.diffusionlab.clip.ContrastiveClip.ImageEncoder.CONV, true)
                .withAttentionLoss(0.1).withColourInvariance(1.0, 1).withColourWordMargin(0.5)
                .withWorld(c.recipe().world().withCaptionOrder(Caption.Order.PLACE_FIRST)));
        ShapesTrainer.Result r = new ShapesTrainer(c).train(out);
        assertEquals(6, r.unetStepsDone());
        String recipe = Files.readString(out.resolve("recipe.json"));
        assertTrue(recipe.contains("\"attention_loss_weight\": 0.1") && recipe.contains("\"clip_image_encoder\": \"conv\"")
                && recipe.contains("\"shape_negatives\": true") && recipe.contains("\"colour_invariance\": 1.0")
                && recipe.contains("\"colour_invariance_span\": 1") && recipe.contains("\"colour_word_margin\": 0.5")
                && recipe.contains("\"caption_order\": \"place-first\""), recipe);
        assertFalse(recipe.contains("attention_shape_weight"), "a shape weight of 1 is not written, so recipes from before it read the same");
        assertTrue(c.recipe().withAttentionShapeWeight(1.75).json(c).contains("\"attention_shape_weight\": 1.75"));
        ShapesRecipe rc = c.recipe();
        assertThrows(IllegalArgumentException.class, () -> rc.withAttentionShapeWeight(-1));
        assertFalse(recipe.contains("attention_place_weight"), "a place weight of 1 is not written either");
        assertTrue(c.recipe().withAttentionPlaceWeight(1.3).json(c).contains("\"attention_place_weight\": 1.3"));
        assertThrows(IllegalArgumentException.class, () -> rc.withAttentionPlaceWeight(Double.NaN));
        assertFalse(recipe.contains("attention_boost_below"), "a boost at every timestep is not written either");
        assertTrue(c.recipe().withAttentionBoostBelow(500).json(c).contains("\"attention_boost_below\": 500"));
        IllegalArgumentException below = assertThrows(IllegalArgumentException.class, () -> rc.withAttentionBoostBelow(-1));
        assertTrue(below.getMessage().contains("attentionBoostBelow"), below.getMessage());
        assertEquals(Caption.Order.PLACE_FIRST, ShapesWorldV2.Config.forModel(out).captionOrder(), "eval-shapes reads the order back");
        List<String> attention = Files.readAllLines(out.resolve(ShapesTrainer.LOG)).stream().filter(l -> l.startsWith("attention,")).toList();
        assertFalse(attention.isEmpty(), "the attention loss is logged beside the denoising loss");
        for (String row : attention) {
            double v = Double.parseDouble(row.split(",")[2]);
            // an untrained UNet spreads its attention: most of a word's mass misses its small object
            assertTrue(v > 0.5 && v <= 1, row);
        }
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.none().withClipImages(dev.diffusionlab.clip.ContrastiveClip.ImageEncoder.CONV, true));
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.v2().withAttentionLoss(-1));
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.v2().withColourInvariance(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.none().withColourInvariance(1), "v1 has no colour twins");
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.v2().withColourInvariance(1, -1));
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.v2().withColourWordMargin(1), "the margin is part of the invariance term");
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.v2().withColourInvariance(1).withColourWordMargin(-1));
    }

    @Test
    void aColourTwinChangesOneColourWordAndNeverNamesAHeldOutCombination() {
        ShapesTrainer t = new ShapesTrainer(ShapesTrainer.Config.tinyV2(1, 1));
        for (Caption.Order order : Caption.Order.values()) {
            ShapesWorldV2 w = new ShapesWorldV2(ShapesWorldV2.Config.defaults().withCaptionOrder(order));
            java.util.Set<String> colours = java.util.Arrays.stream(Vocab.Colour.values()).map(Vocab.Colour::word).collect(java.util.stream.Collectors.toSet());
            int made = 0;
            for (int i = 0; i < 300; i++) {
                ShapesSample s = w.sample(i, ShapesWorldV2.Split.TRAIN);
                java.util.Random rnd = new java.util.Random(i);
                int o = rnd.nextInt(s.objects().size());
                String twin = t.colourTwin(s, o, rnd);
                if (twin == null) {
                    continue;
                }
                made++;
                assertEquals(order, Caption.order(twin), twin);
                String[] a = s.caption().split(" ");
                String[] b = twin.split(" ");
                assertEquals(a.length, b.length, twin);
                List<Integer> differ = java.util.stream.IntStream.range(0, a.length).filter(k -> !a[k].equals(b[k])).boxed().toList();
                assertEquals(1, differ.size(), s.caption() + " / " + twin);
                assertTrue(colours.contains(a[differ.get(0)]) && colours.contains(b[differ.get(0)]), twin);
                for (ObjectSpec sp : Caption.parse(twin)) {
                    assertTrue(w.isTrainable(sp.colour(), sp.shape(), sp.position()), "the twin names a held-out object: " + twin);
                }
                assertEquals(Caption.parse(twin).size(), Caption.parse(twin).stream().map(ObjectSpec::colour).distinct().count(),
                        "one colour per object: " + twin);
            }
            assertTrue(made > 250, "twins made for " + made + " of 300 captions");
        }
    }

    @Test
    void aSizeTwinChangesOneSaidSizeWordAndDrawsThatObjectAtTheOtherSize() {
        ShapesTrainer t = new ShapesTrainer(ShapesTrainer.Config.tinyV2(1, 1));
        ShapesWorldV2 w = new ShapesWorldV2(ShapesWorldV2.Config.defaults().withCaptionOrder(Caption.Order.PLACE_FIRST));
        int sized = 0;
        for (int i = 0; i < 200; i++) {
            ShapesSample s = w.sample(i, ShapesWorldV2.Split.TRAIN);
            ShapesSample twin = t.sizeTwin(s, new java.util.Random(i));
            String[] a = s.caption().split(" ");
            String[] b = twin.caption().split(" ");
            assertEquals(a.length, b.length, twin.caption());
            List<Integer> differ = java.util.stream.IntStream.range(0, a.length).filter(k -> !a[k].equals(b[k])).boxed().toList();
            assertEquals(1, differ.size(), s.caption() + " / " + twin.caption());
            boolean saysSize = s.objects().stream().anyMatch(o -> o.spec().size() != null);
            if (!saysSize) {
                assertTrue(Vocab.byWord(Vocab.ShapeType.class, b[differ.get(0)]) != null, "no size said: a shape twin, " + twin.caption());
                continue;
            }
            sized++;
            assertTrue(Set.of("large", "small").contains(a[differ.get(0)]) && Set.of("large", "small").contains(b[differ.get(0)]), twin.caption());
            for (int o = 0; o < s.objects().size(); o++) {
                ShapesSample.DrawnObject x = s.objects().get(o);
                ShapesSample.DrawnObject y = twin.objects().get(o);
                assertEquals(x.spec().colour(), y.spec().colour());
                assertEquals(x.spec().shape(), y.spec().shape());
                assertEquals(x.spec().position(), y.spec().position());
                boolean changed = x.spec().size() != y.spec().size();
                assertEquals(changed, x.actualSize() != y.actualSize(), "the drawn size follows the said one: " + twin.caption());
                if (changed) {
                    assertEquals(y.spec().size(), y.actualSize());
                }
            }
        }
        assertTrue(sized > 100, sized + " of 200 captions say a size");
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.v2().withSizeNegatives(true), "size twins replace half of the shape twins");
        assertTrue(ShapesTrainer.Config.v2().recipe().withSizeNegatives(true).json(ShapesTrainer.Config.v2()).contains("\"size_negatives\": true"));
    }

    @Test
    void theShippedV2RecipeFineTunesItsContrastiveEncoderAndItsAblationWithoutOneDropsTheFineTuning() {
        ShapesRecipe r = ShapesTrainer.Config.v2().recipe();
        assertEquals(Caption.Order.PLACE_FIRST, r.world().captionOrder());
        assertEquals(ShapesTrainer.Config.TEXT_PRETRAIN_STEPS, r.textPretrainSteps());
        assertEquals(0.4, r.textFinetuneLr());
        assertEquals(0.15, r.textFinetuneFrom());
        assertEquals(1.75, r.attentionShapeWeight());
        assertEquals(500, r.attentionBoostBelow());
        // no contrastive phase: the encoder learns jointly from step 0, so there is nothing left to fine-tune
        ShapesRecipe joint = r.withTextPretraining(0);
        assertEquals(0, joint.textPretrainSteps());
        assertEquals(0, joint.textFinetuneLr());
        assertEquals(0.1, joint.withTextPretraining(500).withTextFinetuning(0.1, 0.3).textFinetuneLr());
    }

    @Test
    void dataParallelWorkersGiveTheLossesAndWeightsOfOneCall() throws Exception {
        // two workers (a slice of the batch each, losses weighted by their share) against the whole batch in one call:
        // the same losses and the same weights but for summation order, with the attention loss on (its slices are
        // weighted by their supervised tokens) and an odd batch (slices of 2 and 3)
        ShapesTrainer.Config tiny = ShapesTrainer.Config.tinyV2(3, 5).withBatchSize(5);
        ShapesTrainer.Config c = tiny.withRecipe(tiny.recipe().withAttentionLoss(0.1));
        ShapesTrainer.Result one = new ShapesTrainer(c).workers(1).train(dir.resolve("one"));
        long before = dev.diffusionlab.nn.BatchParallel.calls();
        ShapesTrainer.Result two = new ShapesTrainer(c).workers(2).train(dir.resolve("two"));
        assertTrue(dev.diffusionlab.nn.BatchParallel.calls() > before, "the two-worker run split its steps");
        assertClose(one.vaeLosses(), two.vaeLosses(), "VAE losses");
        assertClose(one.unetLosses(), two.unetLosses(), "UNet losses");
        List<String> att1 = Files.readAllLines(dir.resolve("one").resolve(ShapesTrainer.LOG)).stream().filter(l -> l.startsWith("attention,")).toList();
        List<String> att2 = Files.readAllLines(dir.resolve("two").resolve(ShapesTrainer.LOG)).stream().filter(l -> l.startsWith("attention,")).toList();
        assertEquals(att1.size(), att2.size());
        assertFalse(att1.isEmpty());
        for (int i = 0; i < att1.size(); i++) {
            double a = Double.parseDouble(att1.get(i).split(",")[2]);
            double b = Double.parseDouble(att2.get(i).split(",")[2]);
            assertEquals(a, b, 1e-4 * Math.max(1, Math.abs(a)), "attention loss row " + i);
        }
        String key = "conv_in.weight";
        try (NDManager m = Engines.newCpuManager();
             SafetensorsFile a = SafetensorsFile.open(dir.resolve("one/unet/diffusion_pytorch_model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(dir.resolve("two/unet/diffusion_pytorch_model.safetensors"))) {
            float[] wa = a.load(key, m, DataType.FLOAT32).toFloatArray();
            float[] wb = b.load(key, m, DataType.FLOAT32).toFloatArray();
            double worst = 0;
            for (int i = 0; i < wa.length; i++) {
                worst = Math.max(worst, Math.abs(wa[i] - wb[i]));
            }
            assertTrue(worst < 1e-4, "conv_in.weight after 5 steps differs by " + worst);
        }
        assertThrows(IllegalArgumentException.class, () -> new ShapesTrainer(c).workers(0));
    }

    private static void assertClose(List<Float> want, List<Float> got, String what) {
        assertEquals(want.size(), got.size(), what);
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i), got.get(i), 1e-4 * Math.max(1, Math.abs(want.get(i))), what + " step " + (i + 1));
        }
    }

    @Test
    void textFinetuningMovesTheContrastiveEncoderOnlyFromItsStartStep() throws Exception {
        ShapesTrainer.Config tiny = ShapesTrainer.Config.tinyV2(2, 6);
        ShapesTrainer.Config frozen = tiny.withRecipe(tiny.recipe().withTextPretraining(3));
        ShapesTrainer.Config tuned = frozen.withRecipe(frozen.recipe().withTextFinetuning(0.5, 0.5));
        ShapesTrainer.Config late = frozen.withRecipe(frozen.recipe().withTextFinetuning(0.5, 1.0)); // starts after the last step
        new ShapesTrainer(frozen).train(dir.resolve("frozen"));
        new ShapesTrainer(late).train(dir.resolve("late"));
        new ShapesTrainer(tuned).train(dir.resolve("tuned"));
        float[] afterContrastive = textWeight(dir.resolve("frozen-checkpoint"));
        assertArrayEquals(afterContrastive, textWeight(dir.resolve("late-checkpoint")), "not fine-tuned before its start step");
        float[] tunedWeights = textWeight(dir.resolve("tuned-checkpoint"));
        assertFalse(java.util.Arrays.equals(afterContrastive, tunedWeights), "fine-tuned from step 3 of 6 on");
        assertTrue(Files.readString(dir.resolve("tuned/recipe.json")).contains("\"text_finetune_lr\": 0.5"));
        assertTrue(Files.readString(dir.resolve("tuned/recipe.json")).contains("\"text_finetune_from\": 0.5"));
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.v2().withTextFinetuning(0.1, 0.3), "needs a contrastive encoder");
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.v2().withTextPretraining(5).withTextFinetuning(0.1, 1.5));
        assertThrows(IllegalArgumentException.class, () -> ShapesRecipe.v2().withTextPretraining(5).withTextFinetuning(-1, 0));
    }

    private static float[] textWeight(Path checkpoint) throws Exception {
        try (NDManager m = Engines.newCpuManager(); SafetensorsFile f = SafetensorsFile.open(checkpoint.resolve("text_encoder/model.safetensors"))) {
            return f.load("text_model.encoder.layers.0.mlp.fc1.weight", m, DataType.FLOAT32).toFloatArray();
        }
    }

    @Test
    void v2TrainingIsReproducibleWithThePrefetch() {
        // the next batch (curriculum world of the next step, re-ordered captions) renders on another thread:
        // it must be the batch the step would have drawn itself, so two runs agree to the bit
        ShapesTrainer.Config c = ShapesTrainer.Config.tinyV2(2, 6);
        ShapesTrainer.Result a = new ShapesTrainer(c).train(dir.resolve("a"));
        ShapesTrainer.Result b = new ShapesTrainer(c).train(dir.resolve("b"));
        assertEquals(a.vaeLosses(), b.vaeLosses());
        assertEquals(a.unetLosses(), b.unetLosses());
        assertEquals(6, a.unetLosses().size());
    }

    @Test
    void unetConfigCarriesLayersPerBlock() {
        ShapesModels v2 = ShapesModels.v2();
        ShapesModels two = new ShapesModels(v2.imageSize(), v2.vaeChannels(), v2.vaeGroups(), v2.textHidden(), v2.textLayers(),
                v2.textHeads(), v2.maxLength(), v2.unetChannels(), v2.unetHeads(), v2.unetGroups(), 2);
        assertArrayEquals(new int[] {1, 1, 1}, dev.diffusionlab.unet.UNet2DConditionModel.parseConfig(v2.unetJson(), "v2").layersPerBlock());
        assertArrayEquals(new int[] {2, 2, 2}, dev.diffusionlab.unet.UNet2DConditionModel.parseConfig(two.unetJson(), "two").layersPerBlock());
    }

    @Test
    void learningRateWarmsUpThenFollowsTheCosine() {
        ShapesRecipe v2 = ShapesRecipe.v2();
        assertEquals(1.0 / 500, v2.lr(1, 0, 7000), 1e-15);
        assertEquals(1.0, v2.lr(1, 499, 7000), 1e-15);
        assertEquals(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), v2.lr(1, 500 + 3250, 7000), 1e-12);
        assertEquals(0.1, v2.lr(1, 7000, 7000), 1e-12);
        assertEquals(5e-4, ShapesRecipe.none().lr(5e-4, 123, 7000), 0.0);
    }

    @Test
    void curriculumGoesFromOneToTwoToThreeObjects() {
        ShapesRecipe v2 = ShapesRecipe.v2();
        assertArrayEquals(new double[] {1, 0, 0}, v2.worldAt(9, 100).objectCounts());
        assertArrayEquals(new double[] {0.3, 0.7, 0}, v2.worldAt(10, 100).objectCounts());
        assertArrayEquals(new double[] {0.3, 0.7, 0}, v2.worldAt(34, 100).objectCounts());
        assertArrayEquals(new double[] {0.2, 0.4, 0.4}, v2.worldAt(35, 100).objectCounts());
    }

    @Test
    void v2ModelFitsTheSizeBudget() {
        ShapesModels m = ShapesModels.v2();
        assertEquals(16, m.latentSize());
        try (var unet = dev.diffusionlab.unet.UNet2DConditionModel.random(dev.diffusionlab.unet.UNet2DConditionModel.parseConfig(m.unetJson(), "v2"),
                Device.cpu(), DataType.FLOAT32, 0);
             var vae = dev.diffusionlab.vae.AutoencoderKL.random(dev.diffusionlab.vae.AutoencoderKL.parseConfig(m.vaeJson(1.0), "v2"),
                     Device.cpu(), DataType.FLOAT32, 0);
             var te = dev.diffusionlab.clip.CLIPTextModel.random(dev.diffusionlab.clip.CLIPTextConfig.from(
                     dev.diffusionlab.nn.ConfigJson.parse(m.textEncoderJson(), "v2")), Device.cpu(), DataType.FLOAT32, 0)) {
            long params = unet.numParameters() + vae.numParameters() + te.numParameters();
            System.out.printf("v2 parameters: UNet %d, VAE %d, text encoder %d: %.2f MB in fp16%n", unet.numParameters(),
                    vae.numParameters(), te.numParameters(), params * 2 / 1e6);
            assertTrue(params * 2 <= 12_000_000, "fp16 weights " + params * 2 + " bytes > 12 MB");
        }
    }
}
