package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke training on tiny models: both losses fall, the folder is a loadable diffusers folder, training resumes. */
class ShapesTrainerTest {
    @TempDir
    Path dir;

    private static double mean(List<Float> l, int from, int to) {
        return l.subList(from, to).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
    }

    @Test
    void aContrastivelyPretrainedTextEncoderStaysFrozenWhileTheUNetLearns() throws Exception {
        ShapesTrainer.Config base = ShapesTrainer.Config.tiny(4, 0);
        ShapesTrainer.Config noUnet = base.withRecipe(base.recipe().withTextPretraining(30));
        ShapesTrainer.Config withUnet = noUnet.withSteps(4, 6);
        new ShapesTrainer(noUnet).train(dir.resolve("pre"));
        new ShapesTrainer(withUnet).train(dir.resolve("pre-unet"));
        new ShapesTrainer(base).train(dir.resolve("plain"));
        Path te = Path.of("text_encoder", "model.safetensors");
        Path unet = Path.of("unet", "diffusion_pytorch_model.safetensors");
        // the UNet phase moved the UNet but not one bit of the pretrained text encoder
        assertEquals(-1L, Files.mismatch(dir.resolve("pre").resolve(te), dir.resolve("pre-unet").resolve(te)), "text encoder changed");
        assertTrue(Files.mismatch(dir.resolve("pre").resolve(unet), dir.resolve("pre-unet").resolve(unet)) >= 0, "UNet did not train");
        // and the contrastive phase did change the text encoder from its initialisation
        assertTrue(Files.mismatch(dir.resolve("pre").resolve(te), dir.resolve("plain").resolve(te)) >= 0, "pretraining changed nothing");
    }

    @Test
    void smokeTrainingLossFallsAndTheFolderGenerates() throws Exception {
        Path out = dir.resolve("shapes");
        ShapesTrainer.Result r = new ShapesTrainer(ShapesTrainer.Config.tiny(40, 40)).train(out);
        int k = 8;
        double vaeFirst = mean(r.vaeLosses(), 0, k);
        double vaeLast = mean(r.vaeLosses(), 40 - k, 40);
        double unetFirst = mean(r.unetLosses(), 0, k);
        double unetLast = mean(r.unetLosses(), 40 - k, 40);
        System.out.printf("smoke training: VAE mse %.4f -> %.4f (%.3f s/step), UNet loss %.4f -> %.4f (%.3f s/step), scaling %.4f%n",
                vaeFirst, vaeLast, r.vaeSecondsPerStep(), unetFirst, unetLast, r.unetSecondsPerStep(), r.scalingFactor());
        assertTrue(vaeLast < vaeFirst, "VAE loss did not fall: " + vaeFirst + " -> " + vaeLast);
        assertTrue(unetLast < unetFirst, "UNet loss did not fall: " + unetFirst + " -> " + unetLast);
        assertTrue(r.scalingFactor() > 0 && Double.isFinite(r.scalingFactor()));

        for (String f : List.of("model_index.json", "scheduler/scheduler_config.json", "tokenizer/vocab.json", "tokenizer/merges.txt",
                "text_encoder/config.json", "text_encoder/model.safetensors", "unet/config.json",
                "unet/diffusion_pytorch_model.safetensors", "vae/config.json", "vae/diffusion_pytorch_model.safetensors")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        JsonObject vaeCfg = JsonParser.parseString(Files.readString(out.resolve("vae/config.json"))).getAsJsonObject();
        assertEquals((float) r.scalingFactor(), vaeCfg.get("scaling_factor").getAsFloat(), 0f);
        try (StableDiffusionPipeline p = StableDiffusionPipeline.load(out, Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newCpuManager()) {
            assertEquals(4, p.vaeScaleFactor());
            StableDiffusionPipeline.Result g = p.generate(GenerationRequest.of("a red circle on the left").steps(3).guidance(3).seed(1), m);
            BufferedImage img = g.images().get(0);
            assertEquals(32, img.getWidth());
            assertEquals(32, img.getHeight());
            assertEquals(List.of(1L, 4L, 8L, 8L), java.util.Arrays.stream(g.latents().getShape().getShape()).boxed().toList());
        }

        List<String> log = Files.readAllLines(out.resolve(ShapesTrainer.LOG));
        assertEquals("phase,step,loss,grad_norm", log.get(0));
        assertEquals(1 + 40 + 40, log.size());
        assertTrue(log.get(1).startsWith("vae,1,") && log.get(41).startsWith("unet,1,") && log.get(80).startsWith("unet,40,"), log.get(80));

        // a second run with more steps resumes from the checkpoint: only the missing UNet steps run
        ShapesTrainer.Result again = new ShapesTrainer(ShapesTrainer.Config.tiny(40, 45)).train(out);
        assertEquals(0, again.vaeLosses().size());
        assertEquals(5, again.unetLosses().size());
        assertEquals(45, again.unetStepsDone());
        assertEquals(r.scalingFactor(), again.scalingFactor(), 0.0);
        assertTrue(mean(again.unetLosses(), 0, 5) < unetFirst, "resumed loss " + again.unetLosses());
        assertEquals(1 + 40 + 45, Files.readAllLines(out.resolve(ShapesTrainer.LOG)).size(), "the log continues across the resume");
    }

    @Test
    void trainingIsReproducible() {
        // same seed, same losses to the bit: this caught DJL's scalar buffers being freed under autograd
        ShapesTrainer.Result a = new ShapesTrainer(ShapesTrainer.Config.tiny(12, 12)).train(dir.resolve("a"));
        System.gc();
        ShapesTrainer.Result b = new ShapesTrainer(ShapesTrainer.Config.tiny(12, 12)).train(dir.resolve("b"));
        assertEquals(a.vaeLosses(), b.vaeLosses());
        assertEquals(a.unetLosses(), b.unetLosses());
        assertTrue(a.unetLosses().stream().allMatch(Float::isFinite));
    }
}
