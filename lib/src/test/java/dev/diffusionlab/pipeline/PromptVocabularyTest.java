package dev.diffusionlab.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptVocabularyTest {
    private static final Path SHAPES = Paths.home().resolve(DefaultModel.SHAPES_RELATIVE);

    @Test
    void shapesWorldFlagsTheWordsItNeverSaw() {
        CLIPTokenizer tok = CLIPTokenizer.fromFolder(SHAPES.resolve("tokenizer"));
        List<String> w = PromptVocabulary.warnings(tok.inspect("a photo of a cat"), tok, true);
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).contains("words outside the model's vocabulary: \"photo\", \"of\", \"cat\" ("), w.get(0));
        // every word of a caption is one token of the shapes vocabulary; punctuation is a token of its own
        assertEquals(List.of(), PromptVocabulary.warnings(tok.inspect("a red circle on the left and a small blue square at the bottom"), tok, true));
        assertEquals(List.of(), PromptVocabulary.warnings(tok.inspect("a Red circle."), tok, true));
        // a textual-inversion word is one added token: known, although it has no word-end mark
        assertEquals(1, PromptVocabulary.warnings(tok.inspect("a <zorp> on the left"), tok, true).size());
        tok.addTokens(List.of("<zorp>"));
        assertEquals(List.of(), PromptVocabulary.warnings(tok.inspect("a <zorp> on the left"), tok, true));
        // an open vocabulary (real CLIP) splits rare words into pieces legitimately: no warning there
        assertEquals(List.of(), PromptVocabulary.warnings(tok.inspect("a photo of a cat"), tok, false));
    }

    @Test
    void wordsWithPiecesMissingFromTheVocabularyAreFlaggedAsUnknown(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("vocab.json"),
                "{\"<|startoftext|>\": 0, \"<|endoftext|>\": 1, \"a</w>\": 2, \"b\": 3, \"b</w>\": 4}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        CLIPTokenizer tok = CLIPTokenizer.fromFolder(dir);
        List<String> w = PromptVocabulary.warnings(tok.inspect("a b c bc"), tok, false);
        assertEquals(List.of("prompt \"a b c bc\": words mapped to the unknown token: \"c\", \"bc\""
                + " (the tokenizer's vocabulary has no piece for some of their characters)"), w);
        assertEquals(List.of(), PromptVocabulary.warnings(tok.inspect("a b ba"), tok, false));
        assertEquals(1, PromptVocabulary.warnings(tok.inspect("a b ba"), tok, true).size(), "\"ba\" is split: outside a closed vocabulary");
    }

    @Test
    void pipelineResultCarriesTheWarning() {
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(SHAPES, Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newManager()) {
            StableDiffusionPipeline.Result cat = sd.generate(GenerationRequest.of("a photo of a cat").steps(1).seed(0), m);
            assertEquals(1, cat.warnings().size(), cat.warnings().toString());
            assertTrue(cat.warnings().get(0).contains("\"cat\""), cat.warnings().get(0));
            StableDiffusionPipeline.Result red = sd.generate(GenerationRequest.of("a red circle").steps(1).seed(0), m);
            assertEquals(List.of(), red.warnings());
        }
    }
}
