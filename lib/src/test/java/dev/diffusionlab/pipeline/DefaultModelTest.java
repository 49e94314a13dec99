package dev.diffusionlab.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.clip.BpeTrainer;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.core.Paths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultModelTest {
    private static final Path COMMITTED = Paths.home().resolve(DefaultModel.RELATIVE);

    @Test
    void committedFolderIsWhatCreateWritesBitForBit(@TempDir Path tmp) throws IOException {
        DefaultModel.create(tmp, DefaultModel.SEED);
        List<Path> written;
        try (Stream<Path> s = Files.walk(tmp)) {
            written = s.filter(Files::isRegularFile).map(tmp::relativize).sorted().toList();
        }
        List<Path> committed;
        try (Stream<Path> s = Files.walk(COMMITTED)) {
            committed = s.filter(Files::isRegularFile).map(COMMITTED::relativize).filter(p -> !p.toString().equals("README.md"))
                    .sorted().toList();
        }
        assertEquals(committed, written, "same file list");
        assertEquals(12, written.size(), written.toString()); // index, scheduler, 4 tokenizer files, config + weights of 3 models
        for (Path p : written) {
            // configs, vocabulary and the safetensors (tensor bytes) must be identical
            assertEquals(-1L, Files.mismatch(COMMITTED.resolve(p), tmp.resolve(p)), "differs: " + p);
        }
        long bytes = 0;
        for (Path p : committed) {
            bytes += Files.size(COMMITTED.resolve(p));
        }
        assertTrue(bytes < 3_000_000, "default model is " + bytes + " bytes");
    }

    @Test
    void committedFolderLoadsAndIsMarkedRandom() {
        assertTrue(DefaultModel.isRandomDefault(COMMITTED));
        assertFalse(DefaultModel.isRandomDefault(COMMITTED.resolve("unet")));
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(COMMITTED, Device.cpu(), DataType.FLOAT32)) {
            assertEquals(8, sd.vaeScaleFactor());
            assertEquals(4, sd.unet().config().inChannels());
            assertEquals(32, sd.unet().config().crossAttentionDim());
            assertEquals(sd.tokenizer().vocabSize(), sd.textEncoder().config().vocabSize());
            assertEquals(DataType.FLOAT32, sd.unet().dtype());
        }
    }

    @Test
    void folderHonoursDlabModelProperty() {
        String old = System.getProperty("dlab.model");
        try {
            System.setProperty("dlab.model", "/some/sd15");
            if (System.getenv("DLAB_MODEL") == null) {
                assertEquals(Path.of("/some/sd15"), DefaultModel.folder());
            }
            System.clearProperty("dlab.model");
            if (System.getenv("DLAB_MODEL") == null) {
                // v2 where the checkout has it, else v1; the v1 folder stays reachable either way
                Path v2 = Paths.home().resolve(DefaultModel.SHAPES_V2_RELATIVE);
                assertEquals(java.nio.file.Files.isDirectory(v2) ? v2 : Paths.home().resolve(DefaultModel.SHAPES_RELATIVE), DefaultModel.folder());
                assertEquals(Paths.home().resolve(DefaultModel.SHAPES_RELATIVE), DefaultModel.shapesV1Folder());
                assertTrue(DefaultModel.isShapesWorld(DefaultModel.folder()), "the embedded default is the trained shapes-world model");
                assertFalse(DefaultModel.isShapesWorld(COMMITTED));
            }
        } finally {
            if (old != null) {
                System.setProperty("dlab.model", old);
            }
        }
    }

    @Test
    void tokenizerRoundTripsPrompts() {
        CLIPTokenizer tok = CLIPTokenizer.fromFolder(COMMITTED.resolve("tokenizer"));
        int n = tok.vocabSize();
        assertEquals(n - 2, tok.bosTokenId());
        assertEquals(n - 1, tok.eosTokenId());
        assertEquals(n - 1, tok.padTokenId());
        for (String p : List.of("a photo of a cat sitting on a red chair", "A Red Circle above a BLUE square!",
                "zyzzyva quokka, 4 café ☕", "", "portrait of an old man, highly detailed, trending on artstation")) {
            int[] ids = tok.encode(p);
            assertEquals(77, ids.length);
            String expected = String.join(" ", p.toLowerCase().split("\\s+")).strip();
            assertEquals(expected, tok.decode(ids, true).replace(" ,", ",").replace(" !", "!"), p);
        }
        // words of the training text are single tokens; unseen words fall back to smaller pieces
        assertEquals(List.of("a</w>", "photo</w>", "of</w>", "a</w>", "cat</w>"), tok.tokenize("a photo of a cat"));
        assertTrue(tok.tokenize("zyzzyva").size() > 1);
        int[] ids = tok.encode("a cat");
        assertEquals(tok.bosTokenId(), ids[0]);
        assertEquals(tok.eosTokenId(), ids[3]);
        assertEquals(tok.padTokenId(), ids[76]);
    }

    @Test
    void bpeTrainerLearnsMostFrequentPairsFirst() {
        // words: aaa ×2, ab ×1. Pairs: (a,a)=2, (a,a</w>)=2, (a,b</w>)=1 -> the tie goes to "a a"; then [aa, a</w>]×2
        BpeTrainer.Vocabulary v = BpeTrainer.train("aaa aaa ab", 10);
        assertEquals(List.of("a a", "aa a</w>", "a b</w>"), v.merges());
        assertEquals(512 + 3 + 2, v.tokens().size());
        assertEquals(List.of("aa", "aaa</w>", "ab</w>", BpeTrainer.BOS, BpeTrainer.EOS), v.tokens().subList(512, 517));
        assertEquals("!", v.tokens().get(0)); // GPT-2 byte order: printable bytes first
        assertEquals("!</w>", v.tokens().get(256));
        assertEquals(List.of("a a"), BpeTrainer.train("aaa aaa ab", 1).merges());
    }
}
