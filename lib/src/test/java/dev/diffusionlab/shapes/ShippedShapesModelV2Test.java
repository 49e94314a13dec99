package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.safetensors.Dtype;
import dev.diffusionlab.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The v2 shapes-world model, the embedded default: a diffusers folder of fp16 safetensors of at most 12 MB whose
 * configs and recipe are exactly what {@link ShapesTrainer.Config#v2()} writes (so {@code ./dlab train-shapes
 * --world v2} reproduces it), a training log whose loss fell, and, with fixed seeds, the figures of
 * {@link ShapesEvalV2} on the protocol (DDIM 20 steps, guidance 7.5).
 */
class ShippedShapesModelV2Test {
    static final Path DIR = Paths.home().resolve(DefaultModel.SHAPES_V2_RELATIVE);

    private static JsonObject json(Path p) throws Exception {
        return ShippedFolders.json(p);
    }

    @Test
    void isTheDefaultAndADiffusersFolderOfFp16WeightsOfAtMostTwelveMegabytes() throws Exception {
        assertTrue(DefaultModel.isShapesWorld(DIR), DIR + " is not marked as a shapes-world model");
        if (System.getenv("DLAB_MODEL") == null && System.getProperty("dlab.model") == null) {
            assertEquals(DIR, DefaultModel.folder());
        }
        long total;
        try (Stream<Path> s = Files.walk(DIR)) {
            total = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals(ShapesTrainer.LOG))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(total <= 12L * 1024 * 1024, "shipped files are " + total + " bytes");
        ShippedFolders.assertF16WeightsAndConfigs(DIR, ShapesModels.v2());
        // the recorded recipe is the one the code runs by default: `./dlab train-shapes --world v2` reproduces the folder
        ShapesTrainer.Config v2 = ShapesTrainer.Config.v2();
        assertEquals(json(DIR.resolve("recipe.json")), JsonParser.parseString(v2.recipe().json(v2)));
    }

    @Test
    void theRunsLossFell() throws Exception {
        double[] unet = TrainingLogs.losses(DIR, "unet");
        double[] vae = TrainingLogs.losses(DIR, "vae");
        ShapesTrainer.Config v2 = ShapesTrainer.Config.v2();
        assertEquals(v2.vaeSteps(), vae.length, "VAE steps logged");
        assertEquals(v2.unetSteps(), unet.length, "UNet steps logged");
        assertTrue(TrainingLogs.mean(unet, unet.length - 500, unet.length) < 0.5 * TrainingLogs.mean(unet, 0, 20), "UNet loss did not halve");
        assertTrue(TrainingLogs.mean(vae, vae.length - 200, vae.length) < 0.1 * TrainingLogs.mean(vae, 0, 20), "VAE reconstruction error did not drop 10×");
    }

    /**
     * Fixed seeds, the protocol (DDIM 20 steps, guidance 7.5, seed 0, 100 captions per split, captions in the
     * model's order): every one of the 19 targets, at its unlowered threshold.
     */
    @Test
    void meetsEveryTargetOfTheProtocolWithFixedSeeds() {
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(DIR, Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newCpuManager()) {
            ShapesEvalV2.Report r = ShapesEvalV2.run(sd, ShapesEvalV2.Config.forModel(DIR, SAMPLES), m);
            System.out.println(r.qualityTable().print());
            System.out.println(r.targetTable().print());
            assertEquals(19, r.targets().size(), "the issue's targets");
            for (ShapesEval.Target t : r.targets()) {
                assertTrue(t.passed(), t.name() + ": " + t.value() + " < " + t.threshold());
            }
        }
    }

    static final int SAMPLES = 100;
}
