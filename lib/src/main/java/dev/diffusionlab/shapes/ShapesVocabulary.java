package dev.diffusionlab.shapes;

import dev.diffusionlab.clip.BpeTrainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The shapes world's own CLIP-style tokenizer folder. The shapes world only supplies its words
 * ({@link Caption#vocabulary()}); the clip stage's toolkit ({@link BpeTrainer#trainWords}) learns the merges
 * until every word is one token and writes the folder in CLIP's layout (the 256 byte symbols, the same
 * with {@code </w>}, one entry per merge, then {@code <|startoftext|>} and {@code <|endoftext|>}, plus
 * SD 1.5-style {@code tokenizer_config.json} / {@code special_tokens_map.json}).
 *
 * <pre>{@code
 * ShapesVocabulary.write(dir.resolve("tokenizer"), 32);
 * CLIPTokenizer tok = CLIPTokenizer.fromFolder(dir.resolve("tokenizer"));
 * tok.tokenize("a red circle on the left");   // [a</w>, red</w>, circle</w>, on</w>, the</w>, left</w>]
 * }</pre>
 */
public final class ShapesVocabulary {
    private ShapesVocabulary() {}

    public static final String BOS = BpeTrainer.BOS;
    public static final String EOS = BpeTrainer.EOS;

    /** The learned vocabulary of the grammar's words. */
    public static BpeTrainer.Vocabulary vocabulary() {
        return BpeTrainer.trainWords(Caption.vocabulary());
    }

    /** The merges, in rank order, that make every grammar word a single token. */
    public static List<String> merges() {
        return vocabulary().merges();
    }

    /** Token → id, in CLIP's order: bytes, bytes + {@code </w>}, merges, start, end. */
    public static LinkedHashMap<String, Integer> vocab() {
        return vocabulary().vocab();
    }

    /** Number of tokens (the text encoder's {@code vocab_size}). */
    public static int vocabSize() {
        return vocabulary().tokens().size();
    }

    /** Writes vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json into {@code dir}. */
    public static void write(Path dir, int modelMaxLength) {
        vocabulary().writeFolder(dir, modelMaxLength, null);
    }
}
