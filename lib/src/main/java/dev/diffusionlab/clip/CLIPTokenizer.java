package dev.diffusionlab.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's byte-level BPE tokenizer, behaving like transformers' slow {@code CLIPTokenizer} without
 * {@code ftfy}: the text is cleaned like BERT's {@code BasicTokenizer(strip_accents=False,
 * do_split_on_punc=False)} (control characters dropped, whitespace mapped to spaces, spaces around CJK
 * ideographs, NFC, lower case), split with CLIP's regex and BPE-encoded with {@code </w>} marking word
 * ends; then {@code <|startoftext|>} … {@code <|endoftext|>}, truncated to {@code model_max_length} (77)
 * with the end token kept, padded with the folder's pad token.
 *
 * <pre>{@code
 * CLIPTokenizer tok = CLIPTokenizer.fromFolder(sdFolder.resolve("tokenizer"));
 * int[] ids = tok.encode("a photo of a cat");          // 77 ids: 49406, 320, 1125, 539, 320, 2368, 49407, pad...
 * TokenizedPrompt p = tok.inspect("a photo of a cat"); // per-token word, position and flags
 * }</pre>
 */
public final class CLIPTokenizer {
    /** CLIP's pre-tokenizer regex (openai/CLIP simple_tokenizer), case-insensitive. */
    static final Pattern SPLIT = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    /** transformers reads at most this many merges (49152 - 256 - 2). */
    private static final int MAX_MERGES = 49152 - 256 - 2;
    private static final String WORD_END = "</w>";

    private final Map<String, Integer> encoder;
    private final String[] decoder;
    private final Map<String, Integer> bpeRanks;
    private final Map<String, String[]> cache = new ConcurrentHashMap<>();
    private final String bosToken;
    private final String eosToken;
    private final String padToken;
    private final String unkToken;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int unkId;
    private final int modelMaxLength;
    /** Tokens added after loading (textual inversion), in id order; ids follow the vocabulary's. */
    private final java.util.LinkedHashMap<String, Integer> added = new java.util.LinkedHashMap<>();
    private static final char[] BYTE_TO_CHAR = bytesToUnicode();
    private static final Map<Character, Integer> CHAR_TO_BYTE = invert(BYTE_TO_CHAR);

    private CLIPTokenizer(Map<String, Integer> encoder, List<String> merges, String bos, String eos, String pad,
            String unk, int modelMaxLength, Path folder) {
        this.encoder = encoder;
        int maxId = encoder.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        this.decoder = new String[maxId + 1];
        encoder.forEach((k, v) -> decoder[v] = k);
        this.bpeRanks = new HashMap<>(merges.size() * 2);
        for (int i = 0; i < merges.size(); i++) {
            String m = merges.get(i);
            int sp = m.indexOf(' ');
            if (sp <= 0 || sp == m.length() - 1 || m.indexOf(' ', sp + 1) >= 0) {
                throw new IllegalArgumentException(folder.resolve("merges.txt") + ": line " + (i + 2)
                        + " is not a merge 'a b': '" + m + "'");
            }
            bpeRanks.putIfAbsent(m, i);
        }
        this.bosToken = bos;
        this.eosToken = eos;
        this.padToken = pad;
        this.unkToken = unk;
        this.bosId = requireId(bos, "bos_token", folder);
        this.eosId = requireId(eos, "eos_token", folder);
        this.padId = requireId(pad, "pad_token", folder);
        this.unkId = requireId(unk, "unk_token", folder);
        this.modelMaxLength = modelMaxLength;
        cache.put(bos, new String[] {bos});
        cache.put(eos, new String[] {eos});
    }

    /**
     * Loads a tokenizer folder: {@code vocab.json}, {@code merges.txt} and, when present,
     * {@code special_tokens_map.json} / {@code tokenizer_config.json} (special tokens, {@code model_max_length}).
     */
    public static CLIPTokenizer fromFolder(Path folder) {
        Path vocabFile = folder.resolve("vocab.json");
        Path mergesFile = folder.resolve("merges.txt");
        if (!Files.isRegularFile(vocabFile) || !Files.isRegularFile(mergesFile)) {
            throw new IllegalArgumentException(folder + ": not a CLIP tokenizer folder (needs vocab.json and merges.txt)");
        }
        Map<String, Integer> vocab = new HashMap<>(1 << 17);
        try {
            JsonObject o = JsonParser.parseString(Files.readString(vocabFile)).getAsJsonObject();
            for (Map.Entry<String, JsonElement> e : o.entrySet()) {
                vocab.put(e.getKey(), VocabChecks.id(vocabFile, e.getKey(), e.getValue(), o.size()));
            }
        } catch (dev.diffusionlab.core.UserInputException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(vocabFile + ": cannot read the vocabulary: " + e.getMessage(), e);
        }
        List<String> merges;
        try {
            String text = Files.readString(mergesFile, StandardCharsets.UTF_8).strip();
            List<String> lines = Arrays.asList(text.split("\n", -1));
            // transformers: f.read().strip().split("\n")[1 : 49152 - 256 - 2 + 1] (line 0 is "#version")
            merges = new ArrayList<>(lines.subList(Math.min(1, lines.size()), Math.min(lines.size(), MAX_MERGES + 1)));
        } catch (IOException e) {
            throw new IllegalArgumentException(mergesFile + ": cannot read: " + e.getMessage(), e);
        }
        JsonObject config = readJson(folder.resolve("tokenizer_config.json"));
        JsonObject special = readJson(folder.resolve("special_tokens_map.json"));
        String bos = specialToken(special, config, "bos_token", "<|startoftext|>");
        String eos = specialToken(special, config, "eos_token", "<|endoftext|>");
        String unk = specialToken(special, config, "unk_token", "<|endoftext|>");
        String pad = specialToken(special, config, "pad_token", eos);
        int maxLen = 77;
        if (config.has("model_max_length")) {
            double v = config.get("model_max_length").getAsDouble();
            // transformers writes a huge sentinel (1e30) when unset; CLIP's positional table has 77
            maxLen = v > 1e6 ? 77 : (int) v;
        }
        if (maxLen < 2) {
            throw new IllegalArgumentException(folder.resolve("tokenizer_config.json") + ": model_max_length " + maxLen + " < 2");
        }
        return new CLIPTokenizer(vocab, merges, bos, eos, pad, unk, maxLen, folder);
    }

    private static JsonObject readJson(Path p) {
        if (!Files.isRegularFile(p)) {
            return new JsonObject();
        }
        try {
            return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(p + ": cannot parse: " + e.getMessage(), e);
        }
    }

    /** special_tokens_map.json overrides tokenizer_config.json, as in transformers' from_pretrained. */
    private static String specialToken(JsonObject special, JsonObject config, String key, String fallback) {
        for (JsonObject o : List.of(special, config)) {
            JsonElement e = o.get(key);
            if (e == null || e.isJsonNull()) {
                continue;
            }
            if (e.isJsonPrimitive()) {
                return e.getAsString();
            }
            if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
                return e.getAsJsonObject().get("content").getAsString();
            }
        }
        return fallback;
    }

    private int requireId(String token, String key, Path folder) {
        Integer id = encoder.get(token);
        if (id == null) {
            throw new IllegalArgumentException(folder + ": " + key + " '" + token + "' is not in vocab.json");
        }
        return id;
    }

    // ---------------------------------------------------------------- public API

    /** 77 ids: bos, the prompt's tokens (truncated to 75), eos, then padding. */
    public int[] encode(String prompt) {
        return inspect(prompt).ids();
    }

    /** {@link #encode} for several prompts as an INT64 array {@code (B, modelMaxLength)}, in {@code manager}. */
    public NDArray encodeBatch(List<String> prompts, NDManager manager) {
        long[] flat = new long[prompts.size() * modelMaxLength];
        for (int b = 0; b < prompts.size(); b++) {
            int[] ids = encode(prompts.get(b));
            for (int i = 0; i < ids.length; i++) {
                flat[b * modelMaxLength + i] = ids[i];
            }
        }
        return manager.create(flat, new Shape(prompts.size(), modelMaxLength));
    }

    /** bos + every token of the prompt + eos, without truncation or padding. */
    public int[] encodeUntruncated(String prompt) {
        List<Piece> pieces = pieces(prompt);
        int[] out = new int[pieces.size() + 2];
        out[0] = bosId;
        for (int i = 0; i < pieces.size(); i++) {
            out[i + 1] = pieces.get(i).id;
        }
        out[out.length - 1] = eosId;
        return out;
    }

    /** The BPE token strings of the prompt (no bos/eos, no truncation), e.g. {@code [a</w>, photo</w>]}. */
    public List<String> tokenize(String prompt) {
        return pieces(prompt).stream().map(p -> p.token).toList();
    }

    /**
     * The padded, truncated encoding with, for every position, its token string and the prompt word it
     * came from; {@link TokenizedPrompt#truncated()} and {@link TokenizedPrompt#droppedWords()} say what
     * did not fit (the pipeline warns with them).
     */
    public TokenizedPrompt inspect(String prompt) {
        if (prompt == null) {
            throw new IllegalArgumentException("prompt is null (use \"\" for the empty prompt)");
        }
        Cleaned cleaned = clean(prompt);
        List<Piece> pieces = pieces(cleaned);
        int keep = Math.min(pieces.size(), modelMaxLength - 2);
        List<TokenizedPrompt.Token> tokens = new ArrayList<>(modelMaxLength);
        tokens.add(new TokenizedPrompt.Token(0, bosId, bosToken, -1, "", true, false, false));
        for (int i = 0; i < keep; i++) {
            Piece p = pieces.get(i);
            tokens.add(new TokenizedPrompt.Token(i + 1, p.id, p.token, p.word, cleaned.words.get(p.word), false, false, false));
        }
        tokens.add(new TokenizedPrompt.Token(keep + 1, eosId, eosToken, -1, "", false, true, false));
        while (tokens.size() < modelMaxLength) {
            tokens.add(new TokenizedPrompt.Token(tokens.size(), padId, padToken, -1, "", false, false, true));
        }
        List<String> dropped = new ArrayList<>();
        int firstDroppedWord = keep < pieces.size() ? pieces.get(keep).word : cleaned.words.size();
        for (int w = firstDroppedWord; w < cleaned.words.size(); w++) {
            dropped.add(cleaned.words.get(w));
        }
        StringBuilder droppedText = new StringBuilder();
        for (int i = keep; i < pieces.size(); i++) {
            droppedText.append(pieces.get(i).token);
        }
        return new TokenizedPrompt(prompt, List.copyOf(tokens), keep < pieces.size(), List.copyOf(dropped),
                decodeTokens(droppedText.toString()), pieces.size() + 2, List.copyOf(cleaned.words));
    }

    /** Ids back to text ({@code </w>} becomes a space); special tokens (bos, eos, pad) are skipped when asked. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id >= decoder.length && id < decoder.length + added.size()) {
                sb.append(addedToken(id)).append(WORD_END); // added tokens read as whole words
                continue;
            }
            if (id < 0 || id >= decoder.length || decoder[id] == null) {
                throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (0.." + (decoder.length - 1) + ")");
            }
            if (skipSpecialTokens && (id == bosId || id == eosId || id == padId)) {
                continue;
            }
            sb.append(decoder[id]);
        }
        return decodeTokens(sb.toString());
    }

    /** The token string of an id (byte-level alphabet, e.g. {@code "cat</w>"}). */
    public String idToToken(int id) {
        if (id >= decoder.length && id < decoder.length + added.size()) {
            return addedToken(id);
        }
        if (id < 0 || id >= decoder.length || decoder[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary");
        }
        return decoder[id];
    }

    public int bosTokenId() {
        return bosId;
    }

    public int eosTokenId() {
        return eosId;
    }

    public int padTokenId() {
        return padId;
    }

    public String padToken() {
        return padToken;
    }

    public int modelMaxLength() {
        return modelMaxLength;
    }

    public int vocabSize() {
        return encoder.size();
    }

    // ---------------------------------------------------------------- added tokens (textual inversion)

    /**
     * Adds tokens as transformers' {@code add_tokens} does for textual inversion: they take the next free
     * ids in order ({@link #size()}, ...), are matched in raw text before any cleanup (exact, case-sensitive,
     * longest first) and are never split. Nothing is added when one token is empty, repeated or already known.
     *
     * @return the new ids, in order
     */
    public int[] addTokens(List<String> tokens) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String t : tokens) {
            if (t == null || t.isBlank()) {
                throw new IllegalArgumentException("cannot add an empty token");
            }
            if (hasToken(t) || !seen.add(t)) {
                throw new IllegalArgumentException("token '" + t + "' already exists in the tokenizer (id " + tokenId(t)
                        + "); choose another placeholder");
            }
        }
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = size();
            added.put(tokens.get(i), ids[i]);
        }
        return ids;
    }

    /** True when {@code token} is a vocabulary entry or an added token (the exact string). */
    public boolean hasToken(String token) {
        return encoder.containsKey(token) || added.containsKey(token);
    }

    /** The id of a vocabulary entry or added token, or -1 (in-batch duplicates also give -1). */
    public int tokenId(String token) {
        Integer id = added.get(token);
        if (id == null) {
            id = encoder.get(token);
        }
        return id == null ? -1 : id;
    }

    /** Added tokens → ids, in the order they were added. */
    public Map<String, Integer> addedTokens() {
        return java.util.Collections.unmodifiableMap(added);
    }

    /** transformers' {@code len(tokenizer)}: vocabulary rows plus added tokens (the embedding rows needed). */
    public int size() {
        return decoder.length + added.size();
    }

    /**
     * diffusers' {@code maybe_convert_prompt}: every added token {@code <t>} of the prompt that has
     * {@code <t>_1} (a multi-vector embedding) is replaced, at each occurrence of its text, by
     * {@code "<t> <t>_1 … <t>_(n−1)"}. Prompts without such tokens come back unchanged.
     */
    public String maybeConvertPrompt(String prompt) {
        if (added.isEmpty() || prompt == null) {
            return prompt;
        }
        java.util.Set<String> present = new java.util.LinkedHashSet<>(tokenize(prompt));
        for (String t : added.keySet()) {
            if (!present.contains(t)) {
                continue;
            }
            StringBuilder replacement = new StringBuilder(t);
            for (int i = 1; added.containsKey(t + "_" + i); i++) {
                replacement.append(' ').append(t).append('_').append(i);
            }
            prompt = prompt.replace(t, replacement.toString());
        }
        return prompt;
    }

    private String addedToken(int id) {
        int k = id - decoder.length;
        return new ArrayList<>(added.keySet()).get(k);
    }

    // ---------------------------------------------------------------- implementation

    private record Piece(String token, int id, int word) {}

    /** The cleaned text split into whitespace words (BasicTokenizer's output tokens). */
    private record Cleaned(List<String> words, java.util.Set<Integer> specialWords) {}

    private List<Piece> pieces(String prompt) {
        return pieces(clean(prompt));
    }

    private List<Piece> pieces(Cleaned cleaned) {
        List<Piece> out = new ArrayList<>();
        for (int w = 0; w < cleaned.words.size(); w++) {
            String word = cleaned.words.get(w);
            Integer special = cleaned.specialWords.contains(w) ? (added.containsKey(word) ? added.get(word) : encoder.get(word)) : null;
            if (special != null) {
                out.add(new Piece(word, special, w));
                continue;
            }
            // the regex never matches across a space, so splitting each word equals splitting " ".join(words)
            Matcher m = SPLIT.matcher(word);
            while (m.find()) {
                String chunk = m.group();
                String[] bpe = (chunk.equals(bosToken) || chunk.equals(eosToken)) ? new String[] {chunk} : bpe(byteEncode(chunk));
                for (String t : bpe) {
                    out.add(new Piece(t, encoder.getOrDefault(t, unkId), w));
                }
            }
        }
        return out;
    }

    /**
     * Like transformers' slow tokenizer: special tokens (bos, eos, unk, pad, e.g. "!" in SD 2) are cut out of
     * the raw text first and kept as they are; the text between them is cleaned and split into words.
     */
    private Cleaned clean(String text) {
        List<String> words = new ArrayList<>();
        java.util.Set<Integer> specialWords = new java.util.HashSet<>();
        List<String> specials = java.util.stream.Stream.concat(java.util.stream.Stream.of(bosToken, eosToken, unkToken, padToken),
                        added.keySet().stream()).distinct()
                .sorted((a, b) -> b.length() - a.length()).toList();
        int segStart = 0;
        int i = 0;
        while (i < text.length()) {
            String hit = null;
            for (String sp : specials) {
                if (text.startsWith(sp, i)) {
                    hit = sp;
                    break;
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            words.addAll(cleanWords(text.substring(segStart, i)));
            specialWords.add(words.size());
            words.add(hit);
            i += hit.length();
            segStart = i;
        }
        words.addAll(cleanWords(text.substring(segStart)));
        return new Cleaned(words, specialWords);
    }

    /** BERT BasicTokenizer(do_lower_case, strip_accents=False, do_split_on_punc=False) then whitespace split. */
    static List<String> cleanWords(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isBertWhitespace(cp)) {
                sb.append(' ');
            } else if (isCjk(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        String nfc = java.text.Normalizer.normalize(sb, java.text.Normalizer.Form.NFC);
        List<String> words = new ArrayList<>();
        for (String w : splitPythonWhitespace(nfc)) {
            // lower-case per word (never_split is empty for CLIP); python str.lower == ROOT lower case
            words.addAll(splitPythonWhitespace(w.toLowerCase(Locale.ROOT)));
        }
        return words;
    }

    private static boolean isBertWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int t = Character.getType(cp); // unicodedata.category(c).startswith("C")
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE
                || t == Character.PRIVATE_USE || t == Character.UNASSIGNED;
    }

    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** Python's {@code str.split()}: runs of whitespace (str.isspace) separate words; no empty words. */
    private static List<String> splitPythonWhitespace(String s) {
        List<String> out = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            boolean ws = Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
            if (ws) {
                if (start >= 0) {
                    out.add(s.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            out.add(s.substring(start));
        }
        return out;
    }

    private static String byteEncode(String chunk) {
        byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
        char[] cs = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            cs[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(cs);
    }

    private String decodeTokens(String joined) {
        String text = joined.replace(WORD_END, " ");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            Integer b = CHAR_TO_BYTE.get(text.charAt(i));
            if (b != null) {
                bytes.write(b);
            } else {
                // bos/eos strings are plain ASCII-looking tokens; keep any non-alphabet char as UTF-8
                bytes.writeBytes(String.valueOf(text.charAt(i)).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8).strip();
    }

    /** BPE of one byte-encoded chunk; the last symbol carries {@code </w>}. Results are cached. */
    String[] bpe(String token) {
        String[] cached = cache.get(token);
        if (cached != null) {
            return cached;
        }
        List<String> word = new ArrayList<>(token.length());
        for (int i = 0; i < token.length() - 1; i++) {
            word.add(String.valueOf(token.charAt(i)));
        }
        word.add(token.charAt(token.length() - 1) + WORD_END);
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i < word.size() - 1; i++) {
                Integer r = bpeRanks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size());
            int i = 0;
            while (i < word.size()) {
                if (i < word.size() - 1 && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(word.get(i));
                    i += 1;
                }
            }
            word = merged;
        }
        String[] result = word.toArray(new String[0]);
        if (cache.size() < 100_000) {
            cache.put(token, result);
        }
        return result;
    }

    /** GPT-2's reversible byte → printable-unicode table. */
    static char[] bytesToUnicode() {
        char[] table = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            direct[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            direct[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            direct[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (direct[b]) {
                table[b] = (char) b;
            } else {
                table[b] = (char) (256 + n++);
            }
        }
        return table;
    }

    private static Map<Character, Integer> invert(char[] table) {
        Map<Character, Integer> m = new HashMap<>();
        for (int b = 0; b < table.length; b++) {
            m.put(table[b], b);
        }
        return m;
    }
}
