package dev.diffusionlab.clip;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two small JSON files of a CLIP tokenizer folder next to {@code vocab.json}/{@code merges.txt}, laid
 * out like SD 1.5's ({@code runwayml/stable-diffusion-v1-5/tokenizer}): {@code tokenizer_config.json}
 * (lower case, {@code model_max_length}, BOS/EOS/UNK/PAD) and {@code special_tokens_map.json}. Written as
 * fixed text so that a folder is the same bytes on every run; transformers' CLIPTokenizer loads them.
 */
public final class TokenizerConfigFiles {
    private TokenizerConfigFiles() {}

    private static final String TOKEN = "{\n    \"content\": \"%s\",\n    \"lstrip\": false,\n    \"normalized\": true,\n"
            + "    \"rstrip\": false,\n    \"single_word\": false\n  }";
    private static final String ADDED = TOKEN.replace("{\n", "{\n    \"__type\": \"AddedToken\",\n");

    /** {@code tokenizer_config.json}; {@code nameOrPath} null leaves {@code name_or_path} out. */
    public static String tokenizerConfig(int modelMaxLength, String nameOrPath) {
        if (modelMaxLength < 2) {
            throw new IllegalArgumentException("model_max_length must be ≥ 2, got " + modelMaxLength);
        }
        return "{\n  \"add_prefix_space\": false,\n  \"bos_token\": " + ADDED.formatted(BpeTrainer.BOS) + ",\n"
                + "  \"do_lower_case\": true,\n  \"eos_token\": " + ADDED.formatted(BpeTrainer.EOS) + ",\n  \"errors\": \"replace\",\n"
                + "  \"model_max_length\": " + modelMaxLength + ",\n"
                + (nameOrPath == null ? "" : "  \"name_or_path\": \"" + nameOrPath + "\",\n")
                + "  \"pad_token\": \"" + BpeTrainer.EOS + "\",\n"
                + "  \"special_tokens_map_file\": \"./special_tokens_map.json\",\n  \"tokenizer_class\": \"CLIPTokenizer\",\n"
                + "  \"unk_token\": " + ADDED.formatted(BpeTrainer.EOS) + "\n}\n";
    }

    /** {@code special_tokens_map.json}. */
    public static String specialTokensMap() {
        return "{\n  \"bos_token\": " + TOKEN.formatted(BpeTrainer.BOS) + ",\n  \"eos_token\": " + TOKEN.formatted(BpeTrainer.EOS) + ",\n"
                + "  \"pad_token\": \"" + BpeTrainer.EOS + "\",\n  \"unk_token\": " + TOKEN.formatted(BpeTrainer.EOS) + "\n}\n";
    }

    /** Writes both files into {@code dir}. */
    public static void write(Path dir, int modelMaxLength, String nameOrPath) {
        String config = tokenizerConfig(modelMaxLength, nameOrPath);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("tokenizer_config.json"), config, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("special_tokens_map.json"), specialTokensMap(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the tokenizer config: " + e.getMessage(), e);
        }
    }
}
