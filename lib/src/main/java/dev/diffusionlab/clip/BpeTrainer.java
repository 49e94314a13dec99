package dev.diffusionlab.clip;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;

/**
 * Learns a small CLIP-style byte-level BPE vocabulary from a text, as the original BPE recipe:
 * words (CLIP's regex, lower case) become byte-alphabet symbols with {@code </w>} on the last one; the
 * most frequent adjacent pair is merged again and again. The files it writes have CLIP's layout, so
 * {@link CLIPTokenizer#fromFolder} reads them: ids 0–255 the byte symbols (in GPT-2's byte order), 256–511
 * the same with {@code </w>}, then one token per merge, then {@code <|startoftext|>}, {@code <|endoftext|>}.
 * Every byte is in the vocabulary, so any prompt encodes (unseen words split into smaller pieces).
 *
 * <pre>{@code
 * BpeTrainer.Vocabulary v = BpeTrainer.train(corpusText, 500);      // or trainWords(List.of("red", "circle", ...))
 * v.write(folder.resolve("tokenizer"));                              // vocab.json + merges.txt
 * v.writeFolder(folder.resolve("tokenizer"), 77, null);              // + tokenizer_config.json, special_tokens_map.json
 * }</pre>
 */
public final class BpeTrainer {
    public static final String BOS = "<|startoftext|>";
    public static final String EOS = "<|endoftext|>";
    private static final String WORD_END = "</w>";

    private BpeTrainer() {}

    /** The learned tokens (id order) and merges (rank order). */
    public record Vocabulary(List<String> tokens, List<String> merges) {
        /** Writes {@code vocab.json} (one line, id order, like openai/clip-vit-large-patch14) and {@code merges.txt}. */
        public void write(Path dir) {
            Map<String, Integer> vocab = vocab();
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("vocab.json"), new GsonBuilder().disableHtmlEscaping().create().toJson(vocab) + "\n",
                        StandardCharsets.UTF_8);
                Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n",
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot write the tokenizer: " + e.getMessage(), e);
            }
        }

        /**
         * The whole tokenizer folder: {@link #write} plus SD 1.5-style {@code tokenizer_config.json} and
         * {@code special_tokens_map.json} ({@link TokenizerConfigFiles}).
         *
         * @param nameOrPath the config's {@code name_or_path}, or null to leave it out
         */
        public void writeFolder(Path dir, int modelMaxLength, String nameOrPath) {
            write(dir);
            TokenizerConfigFiles.write(dir, modelMaxLength, nameOrPath);
        }

        /** Token → id. */
        public LinkedHashMap<String, Integer> vocab() {
            LinkedHashMap<String, Integer> v = new LinkedHashMap<>();
            for (int i = 0; i < tokens.size(); i++) {
                v.put(tokens.get(i), i);
            }
            return v;
        }
    }

    /**
     * Trains at most {@code maxMerges} merges on {@code text}; stops early when every word is one token.
     * Deterministic: ties go to the alphabetically first pair.
     */
    public static Vocabulary train(String text, int maxMerges) {
        checkMerges(maxMerges);
        Map<String, Integer> counts = new TreeMap<>();
        for (String w : CLIPTokenizer.cleanWords(text)) {
            Matcher m = CLIPTokenizer.SPLIT.matcher(w);
            while (m.find()) {
                counts.merge(m.group(), 1, Integer::sum);
            }
        }
        return train(counts, maxMerges);
    }

    /**
     * Trains on a word list, each distinct word counted once, until every word is one token (a closed
     * vocabulary such as the shapes world's grammar words). Deterministic: ties go to the alphabetically
     * first pair.
     */
    public static Vocabulary trainWords(Collection<String> words) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String w : words) {
            counts.put(w, 1);
        }
        return train(counts, Integer.MAX_VALUE);
    }

    private static void checkMerges(int maxMerges) {
        if (maxMerges < 0) {
            throw new IllegalArgumentException("maxMerges must be ≥ 0, got " + maxMerges);
        }
    }

    /** The BPE loop on word counts (word → frequency). */
    private static Vocabulary train(Map<String, Integer> counts, int maxMerges) {
        char[] byteToChar = CLIPTokenizer.bytesToUnicode();
        List<List<String>> words = new ArrayList<>();
        List<Integer> freq = new ArrayList<>();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            List<String> symbols = new ArrayList<>();
            for (byte b : e.getKey().getBytes(StandardCharsets.UTF_8)) {
                symbols.add(String.valueOf(byteToChar[b & 0xFF]));
            }
            symbols.set(symbols.size() - 1, symbols.get(symbols.size() - 1) + WORD_END);
            words.add(symbols);
            freq.add(e.getValue());
        }
        List<String> merges = new ArrayList<>();
        while (merges.size() < maxMerges) {
            Map<String, Integer> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<String> s = words.get(w);
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairs.merge(s.get(i) + " " + s.get(i + 1), freq.get(w), Integer::sum);
                }
            }
            String best = null;
            int bestCount = 0;
            for (Map.Entry<String, Integer> e : pairs.entrySet()) {
                int c = e.getValue();
                if (c > bestCount || (c == bestCount && best != null && e.getKey().compareTo(best) < 0)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best == null) {
                break;
            }
            merges.add(best);
            String a = best.substring(0, best.indexOf(' '));
            String b = best.substring(best.indexOf(' ') + 1);
            for (List<String> s : words) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i).equals(a) && s.get(i + 1).equals(b)) {
                        s.set(i, a + b);
                        s.remove(i + 1);
                    }
                }
            }
        }
        // GPT-2's byte order: the printable bytes first, the remapped ones (chars ≥ 256) after
        char[] alphabet = byteToChar.clone();
        Arrays.sort(alphabet);
        List<String> tokens = new ArrayList<>();
        for (char c : alphabet) {
            tokens.add(String.valueOf(c));
        }
        for (char c : alphabet) {
            tokens.add(c + WORD_END);
        }
        java.util.Set<String> seen = new java.util.HashSet<>(tokens);
        for (String m : merges) {
            String t = m.replace(" ", "");
            if (seen.add(t)) { // two merges can spell the same token ("ab"+"c", "a"+"bc"); the id is the first
                tokens.add(t);
            }
        }
        tokens.add(BOS);
        tokens.add(EOS);
        return new Vocabulary(List.copyOf(tokens), List.copyOf(merges));
    }
}
