package dev.diffusionlab.shapes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The shapes world's own CLIP-style tokenizer folder: {@code vocab.json} laid out like CLIP's (the 256
 * byte symbols, the same with {@code </w>}, one entry per merge, then {@code <|startoftext|>} and
 * {@code <|endoftext|>}), {@code merges.txt} learnt by byte-pair encoding on the grammar's words until
 * every word is one token, and SD 1.5-style {@code tokenizer_config.json} / {@code special_tokens_map.json}.
 * The project's {@link dev.diffusionlab.clip.CLIPTokenizer} and transformers' CLIPTokenizer load it.
 *
 * <pre>{@code
 * ShapesVocabulary.write(dir.resolve("tokenizer"), 32);
 * CLIPTokenizer tok = CLIPTokenizer.fromFolder(dir.resolve("tokenizer"));
 * tok.tokenize("a red circle on the left");   // [a</w>, red</w>, circle</w>, on</w>, the</w>, left</w>]
 * }</pre>
 */
public final class ShapesVocabulary {
    private ShapesVocabulary() {}

    static final String WORD_END = "</w>";
    public static final String BOS = "<|startoftext|>";
    public static final String EOS = "<|endoftext|>";

    /** The merges, in rank order, that make every grammar word a single token. */
    public static List<String> merges() {
        // BPE training: repeatedly merge the most frequent adjacent pair (ties: lexicographic), deterministic
        List<List<String>> words = new ArrayList<>();
        for (String w : Caption.vocabulary()) {
            List<String> symbols = new ArrayList<>();
            for (int i = 0; i < w.length(); i++) {
                symbols.add(i == w.length() - 1 ? w.charAt(i) + WORD_END : String.valueOf(w.charAt(i)));
            }
            words.add(symbols);
        }
        List<String> merges = new ArrayList<>();
        while (true) {
            TreeMap<String, Integer> counts = new TreeMap<>();
            for (List<String> w : words) {
                for (int i = 0; i < w.size() - 1; i++) {
                    counts.merge(w.get(i) + " " + w.get(i + 1), 1, Integer::sum);
                }
            }
            if (counts.isEmpty()) {
                return merges;
            }
            String best = null;
            int bestCount = 0;
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            merges.add(best);
            String a = best.substring(0, best.indexOf(' '));
            String b = best.substring(best.indexOf(' ') + 1);
            for (List<String> w : words) {
                for (int i = 0; i < w.size() - 1; i++) {
                    if (w.get(i).equals(a) && w.get(i + 1).equals(b)) {
                        w.set(i, a + b);
                        w.remove(i + 1);
                    }
                }
            }
        }
    }

    /** Token → id, in CLIP's order: bytes, bytes + {@code </w>}, merges, start, end. */
    public static LinkedHashMap<String, Integer> vocab() {
        LinkedHashMap<String, Integer> v = new LinkedHashMap<>();
        char[] table = bytesToUnicode();
        for (char c : table) {
            v.put(String.valueOf(c), v.size());
        }
        for (char c : table) {
            v.put(c + WORD_END, v.size());
        }
        for (String m : merges()) {
            v.putIfAbsent(m.replace(" ", ""), v.size());
        }
        v.put(BOS, v.size());
        v.put(EOS, v.size());
        return v;
    }

    /** Number of tokens (the text encoder's {@code vocab_size}). */
    public static int vocabSize() {
        return vocab().size();
    }

    /** Writes vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json into {@code dir}. */
    public static void write(Path dir, int modelMaxLength) {
        if (modelMaxLength < 2) {
            throw new IllegalArgumentException("model_max_length must be ≥ 2, got " + modelMaxLength);
        }
        StringBuilder vocab = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, Integer> e : vocab().entrySet()) {
            vocab.append(first ? "" : ", ").append(jsonString(e.getKey())).append(": ").append(e.getValue());
            first = false;
        }
        vocab.append("}");
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        for (String m : merges()) {
            merges.append(m).append('\n');
        }
        String added = "{\n    \"__type\": \"AddedToken\",\n    \"content\": \"%s\",\n    \"lstrip\": false,\n"
                + "    \"normalized\": true,\n    \"rstrip\": false,\n    \"single_word\": false\n  }";
        String config = "{\n  \"add_prefix_space\": false,\n  \"bos_token\": " + added.formatted(BOS) + ",\n"
                + "  \"do_lower_case\": true,\n  \"eos_token\": " + added.formatted(EOS) + ",\n  \"errors\": \"replace\",\n"
                + "  \"model_max_length\": " + modelMaxLength + ",\n  \"pad_token\": \"" + EOS + "\",\n"
                + "  \"special_tokens_map_file\": \"./special_tokens_map.json\",\n  \"tokenizer_class\": \"CLIPTokenizer\",\n"
                + "  \"unk_token\": " + added.formatted(EOS) + "\n}\n";
        String token = "{\n    \"content\": \"%s\",\n    \"lstrip\": false,\n    \"normalized\": true,\n    \"rstrip\": false,\n"
                + "    \"single_word\": false\n  }";
        String special = "{\n  \"bos_token\": " + token.formatted(BOS) + ",\n  \"eos_token\": " + token.formatted(EOS) + ",\n"
                + "  \"pad_token\": \"" + EOS + "\",\n  \"unk_token\": " + token.formatted(EOS) + "\n}\n";
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("vocab.json"), vocab, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("merges.txt"), merges, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("tokenizer_config.json"), config, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("special_tokens_map.json"), special, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the tokenizer: " + e.getMessage(), e);
        }
    }

    /** JSON string with non-ASCII escaped as \\uXXXX (as Python's json.dumps with ensure_ascii). */
    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** GPT-2's reversible byte → printable-unicode table, in CLIP's vocabulary order. */
    static char[] bytesToUnicode() {
        // CLIP: bs = printable ranges first (in order), then the remaining bytes mapped to 256+n
        List<Integer> bs = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            bs.add(b);
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            bs.add(b);
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            bs.add(b);
        }
        List<Character> cs = new ArrayList<>();
        for (int b : bs) {
            cs.add((char) b);
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (!bs.contains(b)) {
                bs.add(b);
                cs.add((char) (256 + n++));
            }
        }
        char[] out = new char[256];
        for (int i = 0; i < 256; i++) {
            out[i] = cs.get(i);
        }
        return out;
    }
}
