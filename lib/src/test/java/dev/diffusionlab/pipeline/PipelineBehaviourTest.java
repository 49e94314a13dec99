package dev.diffusionlab.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline on the embedded random-weight model: errors, callbacks, guidance branches, sizes, batches, memory. */
class PipelineBehaviourTest {
    static final Path MODEL = Paths.home().resolve(DefaultModel.RELATIVE);
    static StableDiffusionPipeline sd;

    @BeforeAll
    static void load() {
        sd = StableDiffusionPipeline.load(MODEL, Device.cpu(), DataType.FLOAT32);
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    private static String error(GenerationRequest r) {
        try (NDManager m = Engines.newCpuManager()) {
            return assertThrows(IllegalArgumentException.class, () -> sd.generate(r, m)).getMessage();
        }
    }

    @Test
    void badInputsNameTheProblem() {
        assertEquals("steps must be ≥ 1, got 0", error(GenerationRequest.of("a cat").steps(0)));
        assertEquals("height and width must be positive multiples of 8, got 60×64", error(GenerationRequest.of("a").steps(1).size(60, 64)));
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        assertEquals("strength must be in (0, 1], got 0.0", error(GenerationRequest.of("a").steps(2).initImage(img, 0)));
        assertEquals("strength must be in (0, 1], got 1.5", error(GenerationRequest.of("a").steps(2).initImage(img, 1.5)));
        assertTrue(error(GenerationRequest.of("a").steps(1).scheduler("nope")).startsWith("unknown scheduler 'nope'; known: ddpm, ddim"));
        assertEquals("negative prompts: 2 given for 3 prompts (give one for all, or one per prompt)",
                error(GenerationRequest.of("a", "b", "c").negative("x", "y").steps(1)));
        assertEquals("clipSkip 2 out of range 0..1", error(GenerationRequest.of("a").steps(1).clipSkip(2)));
        try (NDManager m = Engines.newCpuManager()) {
            NDArray lat = m.zeros(new Shape(1, 4, 8, 9));
            assertEquals("latents have shape (1, 4, 8, 9), expected (1, 4, 8, 8)",
                    error(GenerationRequest.of("a").steps(1).latents(lat)));
        }
        assertEquals("at least one prompt is needed", assertThrows(IllegalArgumentException.class, GenerationRequest::of).getMessage());
    }

    @Test
    void aPromptOverTheTokenLimitIsTruncatedWithAWarningNamingTheDroppedWords() {
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < 80; i++) {
            p.append("cat ");
        }
        p.append("dog sofa");
        try (NDManager m = Engines.newCpuManager()) {
            StableDiffusionPipeline.Result r = sd.generate(GenerationRequest.of(p.toString()).steps(1).decode(false), m);
            assertTrue(r.prompts().get(0).truncated());
            assertEquals(1, r.warnings().size(), r.warnings().toString());
            String w = r.warnings().get(0);
            assertTrue(w.startsWith("The following part of your input was truncated because CLIP can only handle sequences up to 77 tokens: "), w);
            assertTrue(w.endsWith("dog sofa"), "the last words are the dropped ones: " + w);
            StableDiffusionPipeline.Result ok = sd.generate(GenerationRequest.of("a cat").steps(1).decode(false), m);
            assertTrue(ok.warnings().isEmpty());
        }
    }

    @Test
    void missingComponentIsNamed(@TempDir Path tmp) throws IOException {
        try (Stream<Path> s = Files.walk(MODEL)) {
            for (Path p : s.toList()) {
                Path q = tmp.resolve(MODEL.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else if (!p.startsWith(MODEL.resolve("vae"))) {
                    Files.copy(p, q);
                }
            }
        }
        String msg = assertThrows(IllegalArgumentException.class, () -> StableDiffusionPipeline.load(tmp, Device.cpu(), DataType.FLOAT32))
                .getMessage();
        assertEquals(tmp + ": component 'vae' has no config.json", msg);
    }

    @Test
    void callbackCancels() {
        List<Integer> seen = new ArrayList<>();
        try (NDManager m = Engines.newCpuManager()) {
            StepCallback.CancelledException e = assertThrows(StepCallback.CancelledException.class, () -> sd.generate(
                    GenerationRequest.of("a cat").steps(6).scheduler("ddim").callback(s -> {
                        seen.add(s.index());
                        assertEquals(6, s.count());
                        return s.index() < 2;
                    }), m));
            assertEquals("generation cancelled by the step callback at step 2", e.getMessage());
            assertEquals(List.of(0, 1, 2), seen);
            assertEquals(0, m.getManagedArrays().size(), "a cancelled run leaves nothing in the caller's manager");
        }
    }

    @Test
    void previewCollectorKeepsEveryKthStepAndTheLast() {
        PreviewCollector pc = new PreviewCollector(sd, 2);
        try (NDManager m = Engines.newCpuManager()) {
            StableDiffusionPipeline.Result r = sd.generate(GenerationRequest.of("a red circle").steps(5).scheduler("euler").seed(3)
                    .callback(pc), m);
            assertEquals(List.of(1, 3, 4), pc.steps());
            assertEquals(3, pc.latentImages().size());
            pc.predictedX0Images().forEach(x -> assertNotNull(x, "Euler predicts x0"));
            // the last kept x_t is the final latents: its decoded image is the pipeline's output, pixel for pixel
            BufferedImage last = pc.latentImages().get(2);
            BufferedImage out = r.images().get(0);
            assertEquals(64, last.getWidth());
            assertArrayEquals(out.getRGB(0, 0, 64, 64, null, 0, 64), last.getRGB(0, 0, 64, 64, null, 0, 64));
            BufferedImage grid = pc.grid(1);
            assertTrue(grid.getWidth() >= 3 * 64 && grid.getHeight() >= 2 * 64, grid.getWidth() + "x" + grid.getHeight());
        }
        PreviewCollector pndm = new PreviewCollector(sd, 1);
        try (NDManager m = Engines.newCpuManager()) {
            sd.generate(GenerationRequest.of("a").steps(2).callback(pndm), m);
            assertEquals(3, pndm.latentImages().size()); // PLMS runs steps + 1 iterations
            pndm.predictedX0Images().forEach(x -> assertEquals(null, x, "PNDM has no predicted x0"));
        }
    }

    /** Batch size the UNet sees at every cross-attention call: heads × UNet batch. */
    private static List<Long> crossAttentionBatches(GenerationRequest r) {
        List<Long> batches = new ArrayList<>();
        sd.unet().setAttentionHook((call, probs) -> {
            if (call.cross()) {
                batches.add(probs.getShape().get(0));
            }
            return probs;
        });
        try (NDManager m = Engines.newCpuManager()) {
            sd.generate(r, m);
        } finally {
            sd.unet().setAttentionHook(null);
        }
        return batches;
    }

    @Test
    void guidanceAtMostOneRunsOneUNetBranch() {
        int heads = sd.unet().config().heads()[0];
        int crossPerCall = (int) sd.unet().attentions().stream().filter(a -> a.path().endsWith("attn2")).count();
        for (double g : new double[] {1.0, 0.5}) {
            List<Long> b = crossAttentionBatches(GenerationRequest.of("a cat").steps(3).scheduler("ddim").guidance(g));
            assertEquals(3 * crossPerCall, b.size());
            b.forEach(x -> assertEquals((long) heads, x, "guidance " + g + ": UNet batch 1"));
        }
        List<Long> cfg = crossAttentionBatches(GenerationRequest.of("a cat").steps(3).scheduler("ddim").guidance(7.5));
        assertEquals(3 * crossPerCall, cfg.size());
        cfg.forEach(x -> assertEquals(2L * heads, x, "guidance 7.5: [uncond; cond]"));
    }

    @Test
    void nonSquareSizes() {
        try (NDManager m = Engines.newCpuManager()) {
            StableDiffusionPipeline.Result r = sd.generate(GenerationRequest.of("a wide landscape").steps(2).size(64, 96), m);
            assertEquals(new Shape(1, 4, 8, 12), r.latents().getShape());
            assertEquals(96, r.images().get(0).getWidth());
            assertEquals(64, r.images().get(0).getHeight());
            StableDiffusionPipeline.Result t = sd.generate(GenerationRequest.of("a tall tower").steps(2).size(96, 48), m);
            assertEquals(new Shape(1, 3, 96, 48), t.imageTensor().getShape());
        }
    }

    @Test
    void batchOfTwoPromptsEqualsTwoSingleRuns() {
        try (NDManager m = Engines.newCpuManager()) {
            NDArray x = m.randomNormal(new Shape(2, 4, 8, 8));
            GenerationRequest both = GenerationRequest.of("a red circle", "a blue square").steps(3).scheduler("ddim").latents(x);
            StableDiffusionPipeline.Result r = sd.generate(both, m);
            assertEquals(2, r.images().size());
            assertEquals(2, r.prompts().size());
            for (int i = 0; i < 2; i++) {
                String p = i == 0 ? "a red circle" : "a blue square";
                NDArray one = sd.generate(GenerationRequest.of(p).steps(3).scheduler("ddim").latents(x.get(i + ":" + (i + 1))), m).latents();
                NDArray fromBatch = r.latents().get(i + ":" + (i + 1));
                double maxDiff = fromBatch.sub(one).abs().max().getFloat();
                double scale = one.abs().max().getFloat();
                assertTrue(maxDiff <= 1e-4 * scale + 1e-5, p + ": batch vs single max diff " + maxDiff + " (scale " + scale + ")");
            }
            // the two prompts give different results from the same noise
            assertTrue(r.latents().get("0:1").sub(r.latents().get("1:2")).abs().max().getFloat() > 1e-3);
        }
    }

    @Test
    void manyGenerationsDoNotGrowNativeMemory() {
        int weightArrays = sd.unet().weightsManager().getManagedArrays().size();
        try (NDManager parent = Engines.newCpuManager()) {
            NDManager keep = parent.newSubManager();
            int after5 = -1;
            double rss5 = 0;
            for (int i = 0; i < 30; i++) {
                try (NDManager m = parent.newSubManager()) {
                    StableDiffusionPipeline.Result r = sd.generate(GenerationRequest.of("a cat " + i).steps(2).seed(i), m);
                    assertEquals(64, r.images().get(0).getWidth());
                }
                if (i == 4) {
                    after5 = parent.getManagedArrays().size();
                    rss5 = dev.diffusionlab.bench.BenchSupport.peakRssMiB();
                }
            }
            assertEquals(after5, parent.getManagedArrays().size(), "live arrays of the parent manager after 5 vs 30 generations");
            assertEquals(0, keep.getManagedArrays().size());
            assertEquals(weightArrays, sd.unet().weightsManager().getManagedArrays().size(), "the weights manager must not grow");
            double rss30 = dev.diffusionlab.bench.BenchSupport.peakRssMiB();
            // a leak of one 64×64 decode per run would be ~25 × 1.5 MB of activations; allow allocator noise
            assertTrue(rss30 - rss5 < 64, "peak RSS grew by " + (rss30 - rss5) + " MiB over 25 generations");
        }
    }
}
