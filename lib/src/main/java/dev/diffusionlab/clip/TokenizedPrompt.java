package dev.diffusionlab.clip;

import java.util.List;

/**
 * One prompt as the text encoder sees it: {@code modelMaxLength} tokens (bos, prompt tokens, eos, padding),
 * each with the prompt word it came from. Words are the cleaned prompt's whitespace-separated words
 * (lower-cased, CJK ideographs on their own), so {@code "red,"} is one word with two tokens.
 *
 * @param prompt the original prompt
 * @param tokens every position, in order
 * @param truncated true when some prompt tokens did not fit before the end token
 * @param droppedWords the words with at least one token cut off (a word cut in the middle is listed)
 * @param droppedText the decoded text of the cut-off tokens (what diffusers' pipeline warns with)
 * @param untruncatedLength bos + every prompt token + eos
 * @param words every word of the cleaned prompt (index = {@link Token#wordIndex()})
 */
public record TokenizedPrompt(String prompt, List<Token> tokens, boolean truncated, List<String> droppedWords,
        String droppedText, int untruncatedLength, List<String> words) {

    /**
     * One position of the encoding.
     *
     * @param position index in the 77-token sequence
     * @param id vocabulary id
     * @param text token string in the byte-level alphabet ({@code </w>} ends a word)
     * @param wordIndex index into {@link TokenizedPrompt#words()}, -1 for bos/eos/padding
     * @param word the word's text, "" for bos/eos/padding
     */
    public record Token(int position, int id, String text, int wordIndex, String word, boolean bos, boolean eos, boolean padding) {
        /** True for a token that came from the prompt text. */
        public boolean isPromptToken() {
            return !bos && !eos && !padding;
        }
    }

    /** The ids of all positions. */
    public int[] ids() {
        return tokens.stream().mapToInt(Token::id).toArray();
    }

    /** Positions of the tokens of word {@code wordIndex} (for attention maps: which columns belong to "cat"). */
    public int[] positionsOfWord(int wordIndex) {
        return tokens.stream().filter(t -> t.wordIndex() == wordIndex).mapToInt(Token::position).toArray();
    }

    /** Position of the end token. */
    public int eosPosition() {
        return tokens.stream().filter(Token::eos).findFirst().orElseThrow().position();
    }
}
