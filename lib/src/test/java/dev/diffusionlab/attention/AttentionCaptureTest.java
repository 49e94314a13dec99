package dev.diffusionlab.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.verify.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capture through the pipeline on the tiny fixture (random weights: invariants, not semantics). */
class AttentionCaptureTest {
    static final String PROMPT = "a red circle above a blue square";
    static StableDiffusionPipeline sd;

    @BeforeAll
    static void load() {
        Path dir = Fixtures.model("sd-tiny-v1");
        sd = StableDiffusionPipeline.load(dir, Engines.newCpuManager().getDevice(), DataType.FLOAT32);
    }

    @AfterAll
    static void close() {
        if (sd != null) {
            sd.close();
        }
    }

    static GenerationRequest request(int steps) {
        return GenerationRequest.of(PROMPT).steps(steps).seed(3).scheduler("ddim");
    }

    /** Runs {@code steps} steps with {@code cap} and returns its retained (arrays, bytes). */
    static long[] run(AttentionCapture cap, int steps) {
        try (NDManager m = Engines.newCpuManager()) {
            AttentionRun.generate(sd, request(steps).decode(false), m, cap);
        }
        return new long[] {cap.retainedArrays(), cap.retainedBytes()};
    }

    @Test
    void defaultAggregationMemoryIsConstantInSteps() {
        long[] two;
        long[] six;
        try (AttentionCapture cap = AttentionCapture.builder().build()) {
            two = run(cap, 2);
        }
        try (AttentionCapture cap = AttentionCapture.builder().build()) {
            six = run(cap, 6);
            // 4 levels of (1 image, 77 keys, 16, 16) sums + the cached interpolation matrices, whatever the step count
            assertTrue(six[1] >= 4L * 4 * 77 * 16 * 16, "retained " + six[1]);
            assertTrue(six[1] <= cap.estimatedBytes(1, 16, 16, 6) + 64 * 1024, "retained " + six[1] + " > estimate");
        }
        assertArrayEquals(two, six, "retained (arrays, bytes) after 2 vs 6 steps");
    }

    @Test
    void perStepMapsCostWhatTheyState() {
        long[] two;
        long[] five;
        try (AttentionCapture cap = AttentionCapture.builder().keepPerStep().build()) {
            two = run(cap, 2);
        }
        try (AttentionCapture cap = AttentionCapture.builder().keepPerStep().build()) {
            five = run(cap, 5);
            AttentionMaps maps = cap.maps();
            assertEquals(5, maps.steps().size());
            // the step bands add up to the whole run
            float[] all = maps.tokenMap(0, 2);
            float[] early = maps.atSteps(0, 2).tokenMap(0, 2);
            float[] late = maps.atSteps(2, 5).tokenMap(0, 2);
            for (int i = 0; i < all.length; i++) {
                assertEquals(all[i], (2 * early[i] + 3 * late[i]) / 5, 1e-5);
            }
        }
        assertEquals(3L * 4 * 77 * 16 * 16, five[1] - two[1], "three more steps of 77×16×16 floats");
    }

    @Test
    void mapsAreProbabilitiesOfTheConditionalBranch() {
        try (AttentionCapture cap = AttentionCapture.builder().keepRaw().layers(LayerFilter.all().resolutions(8)).build()) {
            run(cap, 2);
            AttentionMaps maps = cap.maps();
            assertEquals(1, maps.batch(), "only the conditional half of the CFG batch");
            assertEquals(16, maps.height());
            assertEquals(List.of(8), List.copyOf(maps.levels()));
            assertEquals(List.of("mid_block.attentions.0.transformer_blocks.0.attn2"), maps.layers());
            assertEquals(2, cap.raw().size(), "one mid layer × 2 steps");
            assertEquals(8, cap.raw().get(0).probs().getShape().get(0), "8 heads × 1 conditional row");
            float[] sum = new float[16 * 16];
            for (int k = 0; k < 77; k++) {
                float[] mk = maps.tokenMap(0, k);
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += mk[i];
                }
            }
            for (float s : sum) {
                assertEquals(1.0, s, 1e-5, "the 77 token maps sum to 1 at every pixel");
            }
            // the map of token 5 = the raw 2×2 mid-block probabilities, averaged over heads and steps, upsampled
            float[] mean = new float[4];
            for (AttentionCapture.RawCall call : cap.raw()) {
                float[] p = call.probs().toFloatArray(); // (8 heads, 4 queries, 77)
                for (int h = 0; h < 8; h++) {
                    for (int q = 0; q < 4; q++) {
                        mean[q] += p[(h * 4 + q) * 77 + 5] / 16f;
                    }
                }
            }
            assertArrayEquals(Bilinear.resize(mean, 2, 2, 16, 16), maps.tokenMap(0, 5), 1e-6f);
        }
    }

    @Test
    void badInputIsRejectedClearly() {
        assertThrows(IllegalArgumentException.class, () -> LayerFilter.all().blocks());
        assertThrows(IllegalArgumentException.class, () -> LayerFilter.all().resolutions());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> {
            try (AttentionCapture cap = AttentionCapture.builder().layers(LayerFilter.all().blocks("up_blocks.9")).build()) {
                run(cap, 1);
            }
        });
        assertTrue(none.getMessage().contains("empty layer filter"), none.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> {
            try (AttentionCapture cap = AttentionCapture.builder().steps(2, 40).build()) {
                run(cap, 4);
            }
        });
        assertTrue(range.getMessage().contains("outside the schedule of 4"), range.getMessage());
        try (AttentionCapture cap = AttentionCapture.builder().build()) {
            run(cap, 1);
            TokenHeatmaps hm = TokenHeatmaps.of(cap.maps(), 0);
            IllegalArgumentException word = assertThrows(IllegalArgumentException.class, () -> hm.word("triangle"));
            assertTrue(word.getMessage().contains("[a, red, circle, above, a, blue, square]"), word.getMessage());
            // "a" occurs twice: word() gives the first, wordAt() either one
            assertArrayEquals(hm.word("a").positions(), hm.wordAt(0).positions());
            assertEquals("a", hm.wordAt(4).label());
            org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(hm.wordAt(0).positions(), hm.wordAt(4).positions()));
            assertThrows(IllegalArgumentException.class, () -> hm.wordAt(7));
            assertThrows(IllegalStateException.class, () -> cap.maps().atSteps(0, 1), "per-step maps not kept");
            assertThrows(IllegalArgumentException.class, () -> cap.maps().atLevels(16));
        }
        assertThrows(IllegalArgumentException.class, () -> AttentionReweight.of(sd.tokenizer().inspect(PROMPT), "green", 2));
    }

    @Test
    void reweightScalesTheWordAndChangesTheImage() {
        AttentionReweight same = AttentionReweight.of(sd.tokenizer().inspect(PROMPT), "red", 1.0);
        AttentionReweight more = AttentionReweight.of(sd.tokenizer().inspect(PROMPT), "blue", 4.0);
        assertArrayEquals(new int[] {6}, more.positions());
        try (NDManager m = Engines.newCpuManager();
             AttentionCapture base = AttentionCapture.builder().build();
             AttentionCapture boosted = AttentionCapture.builder().build()) {
            float[] plain = sd.generate(request(3).decode(false), m).latents().toFloatArray();
            float[] one = AttentionRun.generate(sd, request(3).decode(false), m, same, base).latents().toFloatArray();
            float[] four = AttentionRun.generate(sd, request(3).decode(false), m, more, boosted).latents().toFloatArray();
            double d1 = maxDiff(plain, one);
            double d4 = maxDiff(plain, four);
            assertTrue(d1 < 1e-3, "factor 1 keeps the result (renormalising by ~1): " + d1);
            assertTrue(d4 > 1e-2, "factor 4 changes the result: " + d4);
            // the capture runs after the re-weighting: the boosted word's share grows
            double b0 = mean(base.maps().tokenMap(0, 6));
            double b4 = mean(boosted.maps().tokenMap(0, 6));
            assertTrue(b4 > 2 * b0, "mean attention to 'blue' " + b0 + " -> " + b4);
        }
    }

    @Test
    void writerWritesOverlaysGridAndStats(@TempDir Path tmp) throws Exception {
        try (AttentionCapture cap = AttentionCapture.builder().build(); NDManager m = Engines.newCpuManager()) {
            StableDiffusionPipeline.Result r = AttentionRun.generate(sd, request(2), m, cap);
            List<Path> files = AttentionMapsWriter.write(tmp.resolve("maps"), cap.maps(), 0, r.images().get(0));
            assertEquals(7 + 3, files.size(), "7 words + grid + json + csv");
            for (Path f : files) {
                assertTrue(Files.size(f) > 0, f.toString());
            }
            assertTrue(Files.exists(tmp.resolve("maps/01-red.png")));
            List<String> csv = Files.readAllLines(tmp.resolve("maps/stats.csv"));
            assertEquals(8, csv.size());
            assertTrue(csv.get(2).startsWith("\"red\",2,"), csv.get(2));
            java.awt.image.BufferedImage ov = javax.imageio.ImageIO.read(tmp.resolve("maps/01-red.png").toFile());
            assertEquals(128, ov.getHeight());
            assertTrue(ov.getWidth() > 128, "overlay plus colour bar");
        }
    }

    static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    static double mean(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s / a.length;
    }
}
