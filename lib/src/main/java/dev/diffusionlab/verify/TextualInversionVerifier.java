package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.clip.CLIPTextModel;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.clip.TextualInversionFile;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.schedulers.NoiseSource;
import dev.diffusionlab.verify.ReferenceCases.Case;
import dev.diffusionlab.verify.ReferenceCases.Comparison;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ti} cases: after the recorded {@code load_textual_inversion} calls (files of the model folder,
 * through {@link TextualInversionFile}), {@code tokenizer} checks the converted prompts, their ids, the added
 * ids and embedding rows; {@code text_encoder} the encoder outputs with the grown matrix; {@code pipeline_txt2img}
 * a whole generation with a multi-vector prompt and a textual-inversion negative prompt.
 */
public final class TextualInversionVerifier implements CaseVerifier {
    @Override
    public boolean supports(String kind) {
        return kind.equals("ti");
    }

    @Override
    public List<Comparison> verify(Path folder, ReferenceCases cases, Case c, NDManager m) {
        String label = c.json().has("label") ? c.json().get("label").getAsString() : "";
        return switch (label) {
            case "tokenizer" -> tokenizer(folder, cases, c, m);
            case "text_encoder" -> textEncoder(folder, cases, c, m);
            case "pipeline_txt2img" -> pipeline(folder, cases, c, m);
            default -> throw new IllegalArgumentException(c.id() + ": unknown ti case label '" + label + "'");
        };
    }

    /** The load calls recorded by the tokenizer case (every ti case uses the same). */
    private static JsonArray loadCalls(ReferenceCases cases) {
        for (Case k : cases.ofKind("ti")) {
            if (k.params().has("load_calls")) {
                return k.params().getAsJsonArray("load_calls");
            }
        }
        throw new IllegalArgumentException("no ti case with params.load_calls");
    }

    private static List<String> load(Path folder, ReferenceCases cases, CLIPTokenizer tok, CLIPTextModel te) {
        List<String> added = new ArrayList<>();
        for (JsonElement e : loadCalls(cases)) {
            JsonObject call = e.getAsJsonObject();
            String token = call.has("token") && !call.get("token").isJsonNull() ? call.get("token").getAsString() : null;
            added.addAll(TextualInversionFile.load(folder.resolve(call.get("file").getAsString()), token, tok, te));
        }
        return added;
    }

    private static List<Comparison> tokenizer(Path folder, ReferenceCases cases, Case c, NDManager m) {
        JsonObject p = c.params();
        List<Comparison> out = new ArrayList<>();
        CLIPTokenizer tok = CLIPTokenizer.fromFolder(folder.resolve("tokenizer"));
        try (CLIPTextModel te = CLIPTextModel.fromPretrained(folder.resolve("text_encoder"), m.getDevice(), DataType.FLOAT32)) {
            double before = tok.size();
            load(folder, cases, tok, te);
            out.add(Comparison.exact(c.id(), "vocab_size_before/after", new double[] {before, tok.size()},
                    new double[] {p.get("vocab_size_before").getAsDouble(), p.get("vocab_size_after").getAsDouble()}));
            out.add(Comparison.exact(c.id(), "embedding_rows_after", new double[] {te.tokenEmbeddingRows()},
                    new double[] {p.get("embedding_rows_after").getAsDouble()}));
            List<Double> ids = new ArrayList<>();
            for (JsonElement e : p.getAsJsonArray("added_tokens")) {
                ids.add((double) tok.tokenId(e.getAsJsonObject().get("token").getAsString()));
            }
            out.add(Comparison.exact(c.id(), "added_token_ids", ids.stream().mapToDouble(Double::doubleValue).toArray(),
                    cases.doubles(c.output("added_token_ids"))));
            out.add(Comparison.of(c.id(), "added_embeddings", ReferenceCases.toDoubles(te.addedTokenEmbeddings()),
                    cases.doubles(c.output("added_embeddings")), PipelineCaseSupport.tolerance(c, "added_embeddings")));
            List<String> converted = new ArrayList<>();
            int k = 0;
            for (JsonElement e : p.getAsJsonArray("prompts")) {
                JsonObject pr = e.getAsJsonObject();
                String conv = tok.maybeConvertPrompt(pr.get("prompt").getAsString());
                boolean same = conv.equals(pr.get("converted_prompt").getAsString());
                out.add(new Comparison(c.id(), "prompt" + k + ".converted", same ? 0 : 1, 0, same,
                        same ? "" : "'" + conv + "' != '" + pr.get("converted_prompt").getAsString() + "'"));
                converted.add(conv);
                k++;
            }
            NDArray actual = tok.encodeBatch(converted, m);
            out.add(Comparison.exact(c.id(), "input_ids", ReferenceCases.toDoubles(actual), cases.doubles(c.output("input_ids"))));
        }
        return out;
    }

    private static List<Comparison> textEncoder(Path folder, ReferenceCases cases, Case c, NDManager m) {
        CLIPTokenizer tok = CLIPTokenizer.fromFolder(folder.resolve("tokenizer"));
        try (CLIPTextModel te = CLIPTextModel.fromPretrained(folder.resolve("text_encoder"), m.getDevice(), DataType.FLOAT32)) {
            load(folder, cases, tok, te);
            CLIPTextModel.Output o = te.encode(cases.tensor(c.input("input_ids"), m));
            List<Comparison> out = new ArrayList<>();
            out.add(cases.compareOutput(c, "last_hidden_state", o.lastHiddenState()));
            out.add(cases.compareOutput(c, "embeddings_output", o.hiddenStates().get(0)));
            out.add(cases.compareOutput(c, "pooler_output", o.pooledOutput()));
            return out;
        }
    }

    private static List<Comparison> pipeline(Path folder, ReferenceCases cases, Case c, NDManager m) {
        JsonObject p = c.params();
        List<Comparison> out = new ArrayList<>();
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(folder, m.getDevice(), DataType.FLOAT32)) {
            load(folder, cases, sd.tokenizer(), sd.textEncoder());
            String prompt = p.get("prompt").getAsString();
            String negative = p.get("negative_prompt").getAsString();
            double guidance = p.get("guidance_scale").getAsDouble();
            GenerationRequest r = GenerationRequest.of(prompt)
                    .negative(negative)
                    .guidance(guidance)
                    .steps(p.get("num_inference_steps").getAsInt())
                    .size(p.get("height").getAsInt(), p.get("width").getAsInt())
                    .scheduler(p.get("scheduler_class").getAsString(), PipelineCaseSupport.overrides(p))
                    .latents(cases.tensor(c.input("latents"), m))
                    .noise(NoiseSource.replay(List.of()));
            List<float[]> steps = new ArrayList<>();
            List<float[]> unetOut = new ArrayList<>();
            r.callback(s -> {
                steps.add(s.latents().toType(DataType.FLOAT32, false).toFloatArray());
                NDArray raw = s.noisePredUncond() == null ? s.noisePredText() : s.noisePredUncond().concat(s.noisePredText(), 0);
                unetOut.add(raw.toType(DataType.FLOAT32, false).toFloatArray());
                return true;
            });
            StableDiffusionPipeline.Result res = sd.generate(r, m);
            for (String[] conv : new String[][] {{prompt, "converted_prompt"}, {negative, "converted_negative_prompt"}}) {
                String mine = sd.tokenizer().maybeConvertPrompt(conv[0]);
                boolean same = mine.equals(p.get(conv[1]).getAsString());
                out.add(new Comparison(c.id(), conv[1], same ? 0 : 1, 0, same, same ? "" : "'" + mine + "'"));
            }
            JsonObject inter = c.json().getAsJsonObject("intermediates");
            NDArray e = sd.encodePrompt(List.of(prompt), List.of(negative), guidance > 1, null, m, null);
            out.add(Comparison.of(c.id(), "prompt_embeds", ReferenceCases.toDoubles(e),
                    cases.doubles(inter.get("prompt_embeds").getAsString()), PipelineCaseSupport.tolerance(c, "intermediates")));
            listCmp(c, cases, out, "latents", steps, inter.getAsJsonArray("per_step_latents"), true);
            if (inter.has("unet_outputs")) {
                listCmp(c, cases, out, "unet_out", unetOut, inter.getAsJsonArray("unet_outputs"), false);
            }
            out.add(cases.compareOutput(c, "final_latents", res.latents()));
            NDArray raw = sd.vae().decode(res.latents().div(sd.vae().scalingFactor()));
            out.add(cases.compareOutput(c, "image_decoded_raw", raw));
            out.add(cases.compareOutput(c, "image", res.imageTensor()));
        }
        return out;
    }

    private static void listCmp(Case c, ReferenceCases cases, List<Comparison> out, String what, List<float[]> actual, JsonArray names,
                                boolean perStepObjects) {
        int i = 0;
        for (JsonElement n : names) {
            String name = perStepObjects ? n.getAsJsonObject().get("latents_after_step").getAsString() : n.getAsString();
            double[] a = i < actual.size() ? ReferenceCases.toDoubles(actual.get(i)) : new double[0];
            out.add(Comparison.of(c.id(), "step" + i + "." + what, a, cases.doubles(name), PipelineCaseSupport.tolerance(c, "intermediates")));
            i++;
        }
        if (actual.size() != i) {
            out.add(new Comparison(c.id(), what + " count", actual.size(), i, false, "ran " + actual.size() + ", expected " + i));
        }
    }
}
