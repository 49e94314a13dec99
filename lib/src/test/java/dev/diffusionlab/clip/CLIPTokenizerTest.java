package dev.diffusionlab.clip;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.verify.ReferenceCases;
import dev.diffusionlab.verify.TokenizerVerifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class CLIPTokenizerTest {
    static Path fixture(String name) {
        Path f = Paths.fixtures().orElse(null);
        Assumptions.assumeTrue(f != null, "parity fixtures not found (set DLAB_FIXTURES or provide ../shared/fixtures): skipping");
        return f.resolve(name);
    }

    @TestFactory
    Stream<DynamicTest> everyTokenizerCaseOfBothFixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String fx : List.of("sd-tiny-v1", "sd-tiny-v2")) {
            Path folder = fixture(fx);
            try (ReferenceCases rc = ReferenceCases.open(folder)) {
                List<ReferenceCases.Case> cs = rc.ofKind("tokenizer");
                assertEquals(13, cs.size(), fx + ": tok.c0..c12 expected");
                for (ReferenceCases.Case c : cs) {
                    try (NDManager m = Engines.newCpuManager()) {
                        var results = new TokenizerVerifier().verify(folder, rc, c, m);
                        tests.add(DynamicTest.dynamicTest(fx + " " + c.id() + " " + c.json().get("label").getAsString(), () -> {
                            assertTrue(results.size() >= 2);
                            for (var r : results) {
                                assertTrue(r.passed(), r.toString());
                            }
                        }));
                    }
                }
            }
        }
        return tests.stream();
    }

    @Test
    void basicPromptIdsPaddingAndInspection() {
        CLIPTokenizer v1 = TokenizerVerifier.tokenizer(fixture("sd-tiny-v1"));
        CLIPTokenizer v2 = TokenizerVerifier.tokenizer(fixture("sd-tiny-v2"));
        assertEquals(49406, v1.bosTokenId());
        assertEquals(49407, v1.eosTokenId());
        assertEquals(49407, v1.padTokenId());
        assertEquals(0, v2.padTokenId());
        assertEquals(49408, v1.vocabSize());
        TokenizedPrompt p = v2.inspect("A red, circle");
        assertEquals(77, p.tokens().size());
        assertFalse(p.truncated());
        assertEquals(List.of("a", "red,", "circle"), p.words());
        assertEquals("red,", p.tokens().get(2).word());
        assertEquals("red</w>", p.tokens().get(2).text());
        assertEquals(",</w>", p.tokens().get(3).text());
        assertArrayEquals(new int[] {2, 3}, p.positionsOfWord(1));
        assertEquals(5, p.eosPosition());
        assertTrue(p.tokens().get(0).bos());
        assertTrue(p.tokens().get(6).padding());
        assertEquals(0, p.tokens().get(76).id());
        assertEquals("a red , circle", v2.decode(p.ids(), true));
        // digits are single tokens
        assertEquals(List.of("1</w>", "2</w>", "3</w>"), v1.tokenize("123"));
    }

    @Test
    void truncationKeepsEosAndReportsDroppedWords() {
        CLIPTokenizer tok = TokenizerVerifier.tokenizer(fixture("sd-tiny-v1"));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 80; i++) {
            sb.append("cat ");
        }
        sb.append("dog bird");
        TokenizedPrompt p = tok.inspect(sb.toString());
        assertTrue(p.truncated());
        assertEquals(84, p.untruncatedLength());
        assertEquals(49407, p.ids()[76]);
        assertTrue(p.tokens().get(76).eos());
        assertEquals(List.of("cat", "cat", "cat", "cat", "cat", "dog", "bird"), p.droppedWords());
        assertEquals("cat cat cat cat cat dog bird", p.droppedText());
    }

    @Test
    void cleanupDropsControlsAndSplitsCjk() {
        CLIPTokenizer tok = TokenizerVerifier.tokenizer(fixture("sd-tiny-v1"));
        assertArrayEquals(tok.encode("a cat"), tok.encode("\u0007 A\u200B\t\nCAT  "));
        assertEquals(List.of("東", "京", "x"), tok.inspect("東京x").words());
        assertArrayEquals(new int[] {49406, 49407}, tok.encodeUntruncated("   \t "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {60000}, false));
        assertTrue(e.getMessage().contains("60000"));
    }
}
