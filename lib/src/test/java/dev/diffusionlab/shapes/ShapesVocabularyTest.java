package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.clip.TokenizedPrompt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shapes tokenizer folder loads in the project's CLIPTokenizer with one token per grammar word. */
class ShapesVocabularyTest {
    @TempDir
    Path dir;

    @Test
    void everyGrammarWordIsOneTokenAndCaptionsRoundTrip() {
        ShapesVocabulary.write(dir, 32);
        CLIPTokenizer tok = CLIPTokenizer.fromFolder(dir);
        assertEquals(32, tok.modelMaxLength());
        assertEquals(ShapesVocabulary.vocabSize(), tok.vocabSize());
        assertEquals(tok.vocabSize() - 2, tok.bosTokenId());
        assertEquals(tok.vocabSize() - 1, tok.eosTokenId());
        assertEquals(tok.eosTokenId(), tok.padTokenId());
        for (String w : Caption.vocabulary()) {
            assertEquals(List.of(w + "</w>"), tok.tokenize(w), w);
        }
        ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());
        for (long i = 0; i < 100; i++) {
            String c = world.sample(i, ShapesWorld.Split.TRAIN).caption();
            TokenizedPrompt p = tok.inspect(c);
            String[] words = c.split(" ");
            assertFalse(p.truncated());
            int[] ids = tok.encode(c);
            assertEquals(32, ids.length);
            assertEquals(tok.bosTokenId(), ids[0]);
            assertEquals(tok.eosTokenId(), ids[words.length + 1]);
            for (int k = 0; k < words.length; k++) {
                assertEquals(k, p.tokens().get(k + 1).wordIndex(), c);
                assertEquals(words[k] + "</w>", tok.idToToken(ids[k + 1]));
            }
            assertEquals(c, tok.decode(ids, true));
        }
        // letters outside the grammar still tokenize (byte symbols), never as unknown
        int[] zed = tok.encodeUntruncated("zed");
        assertEquals("zed", tok.decode(zed, true));
        for (int k = 1; k < zed.length - 1; k++) {
            assertNotEquals(tok.eosTokenId(), zed[k], "unknown token in 'zed'");
        }
    }

    @Test
    void filesAreByteForByteDeterministic() throws Exception {
        ShapesVocabulary.write(dir.resolve("a"), 32);
        ShapesVocabulary.write(dir.resolve("b"), 32);
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
        }
        List<String> merges = Files.readAllLines(dir.resolve("a/merges.txt"));
        assertEquals("#version: 0.2", merges.get(0));
        assertEquals(ShapesVocabulary.merges().size() + 1, merges.size());
        assertEquals(512 + ShapesVocabulary.merges().size() + 2, ShapesVocabulary.vocabSize());
    }
}
