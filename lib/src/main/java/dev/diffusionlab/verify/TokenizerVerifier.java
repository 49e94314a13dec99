package dev.diffusionlab.verify;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.clip.TokenizedPrompt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokenizer cases ({@code tok.*}): ids against the reference tensor (exact), and, where the JSON has them,
 * the token strings, the untruncated ids and the truncation flag.
 */
public final class TokenizerVerifier implements CaseVerifier {
    private static final Map<Path, CLIPTokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    @Override
    public boolean supports(String kind) {
        return kind.equals("tokenizer");
    }

    /** The folder's tokenizer, loaded once per folder. */
    public static CLIPTokenizer tokenizer(Path modelFolder) {
        return TOKENIZERS.computeIfAbsent(modelFolder.toAbsolutePath().normalize(),
                f -> CLIPTokenizer.fromFolder(f.resolve("tokenizer")));
    }

    @Override
    public List<ReferenceCases.Comparison> verify(Path modelFolder, ReferenceCases cases, ReferenceCases.Case c, NDManager manager) {
        CLIPTokenizer tok = tokenizer(modelFolder);
        String prompt = c.params().get("prompt").getAsString();
        TokenizedPrompt p = tok.inspect(prompt);
        List<ReferenceCases.Comparison> out = new ArrayList<>();
        double[] ids = toDoubles(p.ids());
        out.add(ReferenceCases.Comparison.exact(c.id(), "input_ids", ids, cases.doubles(c.output("input_ids"))));
        var json = c.json();
        if (json.has("untruncated_input_ids")) {
            out.add(ReferenceCases.Comparison.exact(c.id(), "untruncated_input_ids",
                    toDoubles(tok.encodeUntruncated(prompt)), ints(json.getAsJsonArray("untruncated_input_ids"))));
        }
        if (json.has("tokens")) {
            JsonArray expected = json.getAsJsonArray("tokens");
            List<String> actual = p.tokens().stream().map(TokenizedPrompt.Token::text).toList();
            int mismatches = 0;
            String first = "";
            for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
                String e = i < expected.size() ? expected.get(i).getAsString() : null;
                String a = i < actual.size() ? actual.get(i) : null;
                if (e != null && !e.equals(a)) { // the JSON lists the tokens up to eos, not the padding
                    if (mismatches++ == 0) {
                        first = "position " + i + ": '" + a + "' != '" + e + "'";
                    }
                }
            }
            out.add(new ReferenceCases.Comparison(c.id(), "tokens", mismatches, 0, mismatches == 0, first));
        }
        if (json.has("truncated")) {
            boolean e = json.get("truncated").getAsBoolean();
            out.add(new ReferenceCases.Comparison(c.id(), "truncated", e == p.truncated() ? 0 : 1, 0,
                    e == p.truncated(), e == p.truncated() ? "" : "truncated " + p.truncated() + " != " + e));
        }
        return out;
    }

    private static double[] toDoubles(int[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static double[] ints(JsonArray a) {
        double[] d = new double[a.size()];
        int i = 0;
        for (JsonElement e : a) {
            d[i++] = e.getAsDouble();
        }
        return d;
    }
}
