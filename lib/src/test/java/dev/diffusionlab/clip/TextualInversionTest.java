package dev.diffusionlab.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.safetensors.SafetensorsFile;
import dev.diffusionlab.safetensors.SafetensorsWriter;
import dev.diffusionlab.schedulers.Scheduler;
import dev.diffusionlab.shapes.MakeItYours;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Added tokens, embedding files and textual-inversion training on the shipped shapes-world model (no fixtures needed). */
class TextualInversionTest {
    static final Path MODEL = Paths.home().resolve(DefaultModel.SHAPES_RELATIVE);

    static CLIPTokenizer tokenizer() {
        return CLIPTokenizer.fromFolder(MODEL.resolve("tokenizer"));
    }

    @Test
    void addedTokensAreMatchedInRawTextLongestFirstAndCaseSensitive() {
        CLIPTokenizer tok = tokenizer();
        int before = tok.size();
        int[] ids = tok.addTokens(List.of("<zorp>", "<zorp-2>", "<zorp-2>_1"));
        assertArrayEquals(new int[] {before, before + 1, before + 2}, ids);
        assertEquals(before + 3, tok.size());
        assertEquals(List.of("a</w>", "<zorp>", "s</w>"), tok.tokenize("a<zorp>s"));
        assertEquals(List.of("<zorp>", ",</w>", "<zorp-2>", "<zorp-2>_1"), tok.tokenize("<zorp>,<zorp-2> <zorp-2>_1"));
        assertFalse(tok.tokenize("<ZORP>").contains("<zorp>"), "matching is case-sensitive");
        int[] enc = tok.encode("a <zorp> on the left");
        assertEquals(tok.bosTokenId(), enc[0]);
        assertEquals(before, enc[2]);
        assertEquals("<zorp>", tok.idToToken(before));
        // the multi-vector token expands, single-vector ones stay
        assertEquals("a <zorp-2> <zorp-2>_1 on the left", tok.maybeConvertPrompt("a <zorp-2> on the left"));
        assertEquals("a <zorp> on the left", tok.maybeConvertPrompt("a <zorp> on the left"));
        assertEquals("a red circle", tok.maybeConvertPrompt("a red circle"));
    }

    @Test
    void anExistingTokenIsRefusedAndNothingIsAdded() {
        CLIPTokenizer tok = tokenizer();
        tok.addTokens(List.of("<zorp>"));
        int size = tok.size();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.addTokens(List.of("<new>", "<zorp>")));
        assertTrue(e.getMessage().contains("'<zorp>' already exists"), e.getMessage());
        assertEquals(size, tok.size(), "nothing added");
        assertFalse(tok.hasToken("<new>"));
    }

    @Test
    void fileRoundTripAndLoadErrorsChangeNothing(@TempDir Path tmp) {
        try (CLIPTextModel te = CLIPTextModel.fromPretrained(MODEL.resolve("text_encoder"), Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newCpuManager()) {
            CLIPTokenizer tok = tokenizer();
            int hidden = te.config().hiddenSize();
            float[] v = new float[2 * hidden];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) Math.sin(i + 1);
            }
            Path file = tmp.resolve("zorp.safetensors");
            TextualInversionFile.save(file, "<zorp>", m.create(v, new Shape(2, hidden)));
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                assertEquals(List.of("<zorp>"), List.copyOf(st.keys()), "one tensor, keyed by the token");
                assertArrayEquals(new long[] {2, hidden}, st.info("<zorp>").shape());
                assertEquals("F32", st.info("<zorp>").dtype().name());
                assertEquals("pt", st.metadata().get("format"));
            }
            assertFalse(Files.exists(tmp.resolve("zorp.safetensors.part")));
            int rows = te.tokenEmbeddingRows();
            assertEquals(List.of("<zorp>", "<zorp>_1"), TextualInversionFile.load(file, null, tok, te));
            assertEquals(rows + 2, te.tokenEmbeddingRows());
            assertEquals(tok.size(), te.tokenEmbeddingRows());
            // embeddings_output at the token = its vector + the position embedding
            NDArray ids = tok.encodeBatch(List.of(tok.maybeConvertPrompt("a <zorp>")), m);
            CLIPTextModel.Output o = te.encode(ids);
            NDArray pos = te.namedParameters().get("text_model.embeddings.position_embedding.weight");
            float[] got = o.hiddenStates().get(0).get("0, 2").toFloatArray();
            float[] p2 = pos.get(2).toFloatArray();
            for (int i = 0; i < hidden; i++) {
                assertEquals(v[i] + p2[i], got[i], 1e-6, "dim " + i);
            }
            float[] got3 = o.hiddenStates().get(0).get("0, 3").toFloatArray();
            float[] p3 = pos.get(3).toFloatArray();
            assertEquals(v[hidden] + p3[0], got3[0], 1e-6, "<zorp>_1 reads row 1 of the file");

            // bad files: wrong width, existing token, several tensors; nothing changes
            int size = tok.size();
            Path wide = tmp.resolve("wide.safetensors");
            TextualInversionFile.save(wide, "<wide>", m.ones(new Shape(1, hidden + 3)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextualInversionFile.load(wide, null, tok, te));
            assertTrue(e.getMessage().contains("width " + (hidden + 3)) && e.getMessage().contains("hidden size is " + hidden), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> TextualInversionFile.load(file, "<zorp>", tok, te));
            assertTrue(e.getMessage().contains("already exists"), e.getMessage());
            Path two = tmp.resolve("two.safetensors");
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("<a>", m.ones(new Shape(1, hidden)));
            t.put("<b>", m.ones(new Shape(1, hidden)));
            SafetensorsWriter.write(two, t, Map.of("format", "pt"));
            e = assertThrows(IllegalArgumentException.class, () -> TextualInversionFile.load(two, null, tok, te));
            assertTrue(e.getMessage().contains("exactly one tensor"), e.getMessage());
            assertEquals(size, tok.size());
            assertEquals(size, te.tokenEmbeddingRows());
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    @Test
    void trainingChangesOnlyTheNewRows() {
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(MODEL, Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newCpuManager();
             Scheduler s = sd.newScheduler(null)) {
            // an earlier added token must not move either
            TextualInversionFile.add("<old>", m.ones(new Shape(1, sd.textEncoder().config().hiddenSize())), sd.tokenizer(), sd.textEncoder(), "test");
            Map<String, float[]> before = snapshot(sd);
            float[] oldRow = sd.textEncoder().addedTokenEmbeddings().get(0).toFloatArray();
            List<TextualInversion.Example> ex = MakeItYours.examples("red circle", "<zorp>", 6, 1);
            assertEquals("a <zorp>", ex.get(0).caption().substring(0, 8));
            TextualInversion ti = new TextualInversion(TextualInversion.Config.defaults().withSteps(4).withBatchSize(2).withVectors(2)
                    .withProgress(false).withLearningRate(0.05));
            TextualInversion.Result r = ti.train("<zorp>", ex, sd.tokenizer(), sd.textEncoder(), sd.unet(), sd.vae(), s.betaSchedule(), m);
            assertEquals(List.of("<zorp>", "<zorp>_1"), r.tokens());
            assertEquals(4, r.losses().size());
            assertTrue(r.losses().stream().allMatch(l -> Float.isFinite(l) && l > 0), r.losses().toString());
            assertEquals(new Shape(2, sd.textEncoder().config().hiddenSize()), r.embedding().getShape());
            Map<String, float[]> after = snapshot(sd);
            assertEquals(before.keySet(), after.keySet());
            for (String k : before.keySet()) {
                assertArrayEquals(before.get(k), after.get(k), k + " changed: only the new rows may learn");
            }
            assertArrayEquals(oldRow, sd.textEncoder().addedTokenEmbeddings().get(0).toFloatArray(), "an earlier added row changed");
            float[] mean = sd.textEncoder().namedParameters().get("text_model.embeddings.token_embedding.weight").mean(new int[] {0})
                    .toFloatArray();
            assertNotEquals(mean[0], r.embedding().get(0).toFloatArray()[0], "the new row did not move from its start");
            // a token that exists, no examples, a caption without the token: refused before anything is added
            int size = sd.tokenizer().size();
            assertThrows(IllegalArgumentException.class, () -> ti.train("<zorp>", ex, sd.tokenizer(), sd.textEncoder(), sd.unet(), sd.vae(),
                    s.betaSchedule(), m));
            assertThrows(IllegalArgumentException.class, () -> ti.train("<new>", List.of(), sd.tokenizer(), sd.textEncoder(), sd.unet(),
                    sd.vae(), s.betaSchedule(), m));
            assertThrows(IllegalArgumentException.class, () -> ti.train("<new>", List.of(new TextualInversion.Example(ex.get(0).image(),
                    "a red circle on the left")), sd.tokenizer(), sd.textEncoder(), sd.unet(), sd.vae(), s.betaSchedule(), m));
            assertEquals(size, sd.tokenizer().size());
            assertEquals(size, sd.textEncoder().tokenEmbeddingRows());
        }
    }

    private static Map<String, float[]> snapshot(StableDiffusionPipeline sd) {
        Map<String, float[]> out = new LinkedHashMap<>();
        sd.textEncoder().namedParameters().forEach((k, v) -> out.put("text_encoder." + k, v.toFloatArray()));
        sd.unet().namedParameters().forEach((k, v) -> out.put("unet." + k, v.toFloatArray()));
        sd.vae().namedParameters().forEach((k, v) -> out.put("vae." + k, v.toFloatArray()));
        return out;
    }
}
