package dev.diffusionlab.pipeline;

import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.clip.TokenizedPrompt;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Warnings about prompt words the model cannot have learned: a word that the tokenizer maps to its unknown
 * token (a piece missing from {@code vocab.json}), and, for a closed-vocabulary model such as the shapes world
 * (whose tokenizer makes every caption word one token), a word that is not one whole-word token of the
 * vocabulary and so reaches the text encoder as pieces it never saw in training. Without the warning,
 * "a photo of a cat" on the shapes world silently draws a shape.
 *
 * <pre>{@code
 * List<String> w = PromptVocabulary.warnings(sd.tokenizer().inspect("a photo of a cat"), sd.tokenizer(), true);
 * // ["prompt \"a photo of a cat\": words outside the model's vocabulary: photo, of, cat (...)"]
 * }</pre>
 */
public final class PromptVocabulary {
    private static final String WORD_END = "</w>";

    private PromptVocabulary() {}

    /** True when {@code folder} is a closed-vocabulary model (today: a shapes-world model). */
    public static boolean closedVocabulary(ModelFolder folder) {
        return folder != null && DefaultModel.isShapesWorld(folder.root());
    }

    /**
     * The warnings for one prompt (empty when every word is known).
     *
     * @param prompt the tokenizer's view of the prompt ({@link CLIPTokenizer#inspect})
     * @param tokenizer the tokenizer that made it
     * @param closedVocabulary also flag words that are not a single whole-word token
     * @return at most two lines: words mapped to the unknown token, words outside a closed vocabulary
     */
    public static List<String> warnings(TokenizedPrompt prompt, CLIPTokenizer tokenizer, boolean closedVocabulary) {
        Set<String> unknown = new LinkedHashSet<>();
        Set<String> outside = new LinkedHashSet<>();
        for (TokenizedPrompt.Token t : prompt.tokens()) {
            if (!t.isPromptToken()) {
                continue;
            }
            // a piece missing from vocab.json gets the unknown token's id, whose text is not the piece
            if (!t.text().equals(tokenizer.idToToken(t.id()))) {
                unknown.add(t.word());
            } else if (closedVocabulary && !t.text().endsWith(WORD_END) && !tokenizer.addedTokens().containsKey(t.text())) {
                // (an added token, e.g. a textual-inversion word, is one whole token without the word-end mark)
                outside.add(t.word()); // the word was split: it is not one token of the vocabulary
            }
        }
        outside.removeAll(unknown);
        List<String> out = new ArrayList<>();
        if (!unknown.isEmpty()) {
            out.add("prompt \"" + prompt.prompt() + "\": words mapped to the unknown token: " + join(unknown)
                    + " (the tokenizer's vocabulary has no piece for some of their characters)");
        }
        if (!outside.isEmpty()) {
            out.add("prompt \"" + prompt.prompt() + "\": words outside the model's vocabulary: " + join(outside)
                    + " (this model was trained on a closed vocabulary; these words reach it as pieces it never learned,"
                    + " so they steer nothing)");
        }
        return out;
    }

    private static String join(Set<String> words) {
        return words.stream().map(w -> "\"" + w + "\"").collect(Collectors.joining(", "));
    }
}
