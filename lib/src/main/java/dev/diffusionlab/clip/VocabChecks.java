package dev.diffusionlab.clip;

import com.google.gson.JsonElement;
import dev.diffusionlab.core.UserInputException;
import java.math.BigDecimal;
import java.nio.file.Path;

/** Validation of a tokenizer's vocab.json before anything is sized from it. */
final class VocabChecks {
    private VocabChecks() {}

    /**
     * A token id: a JSON integer in {@code [0, entries)}. CLIP vocabularies are dense (ids 0..N−1), so a
     * larger id is corrupt; checking here refuses an id of 2e9 before a decoder table of that size is made.
     */
    static int id(Path file, String token, JsonElement v, int entries) {
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            throw UserInputException.of(file.toString(), "token '" + token + "' id", v, "an integer");
        }
        BigDecimal d;
        try {
            d = v.getAsBigDecimal();
        } catch (NumberFormatException e) {
            throw UserInputException.of(file.toString(), "token '" + token + "' id", v, "an integer");
        }
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
            throw UserInputException.of(file.toString(), "token '" + token + "' id", v, "an integer");
        }
        if (d.signum() < 0 || d.compareTo(BigDecimal.valueOf(entries)) >= 0) {
            throw UserInputException.of(file.toString(), "token '" + token + "' id", v,
                    "an id in [0, " + (entries - 1) + "] (the vocabulary has " + entries + " entries)");
        }
        return d.intValueExact();
    }
}
