package dev.diffusionlab.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.safetensors.SafetensorsFile;
import dev.diffusionlab.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Textual-inversion embedding files in the format diffusers' {@code load_textual_inversion} reads and its
 * training script writes: a safetensors file holding ONE F32 tensor whose key is the placeholder token,
 * shape {@code (n, hidden)} (or {@code (hidden)}); {@code n > 1} is a multi-vector token that becomes
 * {@code <t>, <t>_1, …, <t>_(n−1)} (see docs/textual-inversion.md).
 *
 * <pre>{@code
 * List<String> added = TextualInversionFile.load(Path.of("zorp.safetensors"), "<zorp>", sd.tokenizer(), sd.textEncoder());
 * TextualInversionFile.save(Path.of("learned.safetensors"), "<zorp>", rows);   // rows (n, hidden)
 * }</pre>
 */
public final class TextualInversionFile {
    private TextualInversionFile() {}

    /**
     * What a file holds.
     *
     * @param token the file's key (the placeholder token it was trained as)
     * @param vectors (n, hidden) float32, in the caller's manager
     */
    public record Entry(String token, NDArray vectors) {}

    /** Reads a file; the error names the file and what is wrong with it (several tensors, bad shape, not F32-convertible). */
    public static Entry read(Path file, NDManager manager) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such textual-inversion file");
        }
        String name = file.getFileName().toString();
        if (!name.endsWith(".safetensors")) {
            throw new IllegalArgumentException(file + ": textual-inversion embeddings are read from .safetensors files only"
                    + " (pickled .bin/.pt files are refused)");
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            if (st.keys().size() != 1) {
                throw new IllegalArgumentException(file + ": a textual-inversion file holds exactly one tensor (key = the token), found "
                        + st.keys().size() + " " + st.keys());
            }
            String key = st.keys().iterator().next();
            long[] shape = st.info(key).shape();
            if (shape.length == 0 || shape.length > 2 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
                throw new IllegalArgumentException(file + ": tensor '" + key + "' has shape " + Arrays.toString(shape)
                        + ", expected (hidden) or (vectors, hidden)");
            }
            NDArray v = st.load(key, manager, DataType.FLOAT32);
            if (shape.length == 1) {
                v = v.reshape(1, shape[0]); // (D) -> (1, D)
            }
            return new Entry(key, v);
        }
    }

    /**
     * diffusers' {@code load_textual_inversion(file, token=token)}: adds the token(s) to the tokenizer and
     * the vectors as new rows of the text encoder's token embedding. {@code token} wins over the file's key
     * (null: use the key). Checked before anything changes: the width must be the encoder's hidden size and
     * neither {@code <t>} nor {@code <t>_1} may exist.
     *
     * @return the added tokens, e.g. {@code [<zorp-2>, <zorp-2>_1]}
     */
    public static List<String> load(Path file, String token, CLIPTokenizer tokenizer, CLIPTextModel textEncoder) {
        try (NDManager tmp = textEncoder.weightsManager().newSubManager()) {
            Entry e = read(file, tmp);
            return add(token == null ? e.token() : token, e.vectors(), tokenizer, textEncoder, file.toString());
        }
    }

    /** Adds {@code token} with {@code vectors} (n, hidden) as {@link #load} does, from memory. */
    public static List<String> add(String token, NDArray vectors, CLIPTokenizer tokenizer, CLIPTextModel textEncoder, String source) {
        Shape s = vectors.getShape();
        if (s.dimension() == 1) {
            vectors = vectors.reshape(1, s.get(0)); // (D) -> (1, D)
            s = vectors.getShape();
        }
        int hidden = textEncoder.config().hiddenSize();
        if (s.dimension() != 2 || s.get(1) != hidden) {
            throw new IllegalArgumentException(source + ": embedding of token '" + token + "' has width " + s.get(s.dimension() - 1)
                    + " but the text encoder's hidden size is " + hidden + " (trained for another model?)");
        }
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException(source + ": empty token");
        }
        if (tokenizer.hasToken(token)) {
            throw new IllegalArgumentException(source + ": token '" + token + "' already exists in the tokenizer (id "
                    + tokenizer.tokenId(token) + "); choose a different placeholder token");
        }
        if (tokenizer.hasToken(token + "_1")) {
            throw new IllegalArgumentException(source + ": multi-vector token '" + token + "_1' already exists in the tokenizer;"
                    + " choose a different placeholder token");
        }
        if (tokenizer.size() != textEncoder.tokenEmbeddingRows()) {
            throw new IllegalStateException("tokenizer has " + tokenizer.size() + " tokens but the text encoder's embedding has "
                    + textEncoder.tokenEmbeddingRows() + " rows: they must grow together");
        }
        List<String> tokens = new ArrayList<>();
        tokens.add(token);
        for (int i = 1; i < s.get(0); i++) {
            tokens.add(token + "_" + i);
        }
        tokenizer.addTokens(tokens);
        textEncoder.addTokenEmbeddings(vectors);
        return tokens;
    }

    /**
     * Writes {@code {token: vectors}} (vectors (n, hidden) or (hidden), stored F32 (n, hidden)) with
     * {@code __metadata__ {"format": "pt"}}, atomically: the file appears complete or not at all.
     */
    public static void save(Path file, String token, NDArray vectors) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("empty token");
        }
        if (!file.getFileName().toString().endsWith(".safetensors")) {
            throw new IllegalArgumentException(file + ": textual-inversion files are written as .safetensors");
        }
        try (NDManager tmp = vectors.getManager().newSubManager()) {
            NDArray v = vectors.toType(DataType.FLOAT32, true);
            v.attach(tmp);
            if (v.getShape().dimension() == 1) {
                v = v.reshape(1, v.getShape().get(0)); // (D) -> (1, D)
            }
            if (v.getShape().dimension() != 2) {
                throw new IllegalArgumentException("embedding must be (vectors, hidden), got " + v.getShape());
            }
            Path abs = file.toAbsolutePath();
            Path dir = abs.getParent();
            Path part = dir.resolve(abs.getFileName() + ".part");
            try {
                Files.createDirectories(dir);
                SafetensorsWriter.write(part, Map.of(token, v), Map.of("format", "pt"));
                Files.move(part, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                try {
                    Files.deleteIfExists(part);
                } catch (IOException ignored) {
                    // best effort
                }
                throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
            }
        }
    }
}
