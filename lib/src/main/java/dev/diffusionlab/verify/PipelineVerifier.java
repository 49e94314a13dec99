package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.schedulers.NoiseSource;
import dev.diffusionlab.verify.ReferenceCases.Case;
import dev.diffusionlab.verify.ReferenceCases.Comparison;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipe.* cases: txt2img (default scheduler, negative prompt, guidance 1, DPM++ 2M Karras
 * non-square, Euler ancestral, clip skip) and img2img, through the public {@link StableDiffusionPipeline}
 * API with the recorded noise replayed. Checks the prompt embeddings, the latents after every step,
 * the final latents and, where recorded, the decoded image.
 */
public final class PipelineVerifier implements CaseVerifier {
    @Override
    public boolean supports(String kind) {
        return kind.equals("pipeline_txt2img") || kind.equals("pipeline_img2img");
    }

    @Override
    public List<Comparison> verify(Path modelFolder, ReferenceCases cases, Case c, NDManager m) {
        JsonObject p = c.params();
        List<Comparison> out = new ArrayList<>();
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(modelFolder, m.getDevice(), DataType.FLOAT32)) {
            String prompt = p.get("prompt").getAsString();
            String negative = p.has("negative_prompt") && !p.get("negative_prompt").isJsonNull()
                    ? p.get("negative_prompt").getAsString() : null;
            double guidance = p.get("guidance_scale").getAsDouble();
            Integer clipSkip = p.has("clip_skip") && !p.get("clip_skip").isJsonNull() ? p.get("clip_skip").getAsInt() : null;
            Map<String, Object> overrides = new LinkedHashMap<>();
            if (p.has("scheduler_from_config_overrides")) {
                for (Map.Entry<String, JsonElement> e : p.getAsJsonObject("scheduler_from_config_overrides").entrySet()) {
                    JsonElement v = e.getValue();
                    overrides.put(e.getKey(), v.getAsJsonPrimitive().isBoolean() ? (Object) v.getAsBoolean()
                            : v.getAsJsonPrimitive().isNumber() ? (Object) v.getAsNumber() : v.getAsString());
                }
            }
            List<NDArray> recorded = new ArrayList<>();
            if (c.json().has("noise")) {
                for (JsonElement n : c.json().getAsJsonArray("noise")) {
                    recorded.add(cases.tensor(n.getAsJsonObject().get("name").getAsString(), m));
                }
            }
            GenerationRequest r = GenerationRequest.of(prompt)
                    .guidance(guidance)
                    .steps(p.get("num_inference_steps").getAsInt())
                    .size(p.get("height").getAsInt(), p.get("width").getAsInt())
                    .scheduler(p.get("scheduler_class").getAsString(), overrides)
                    .clipSkip(clipSkip)
                    .noise(NoiseSource.replay(recorded));
            if (negative != null) {
                r.negative(negative);
            }
            if (c.kind().equals("pipeline_img2img")) {
                r.initImage(cases.tensor(c.input("image"), m), p.get("strength").getAsDouble());
            } else {
                r.latents(cases.tensor(c.input("latents"), m));
            }
            List<float[]> steps = new ArrayList<>();
            r.callback(s -> steps.add(s.latents().toType(DataType.FLOAT32, false).toFloatArray()) || true);
            StableDiffusionPipeline.Result res = sd.generate(r, m);

            JsonObject inter = c.json().has("intermediates") ? c.json().getAsJsonObject("intermediates") : new JsonObject();
            if (inter.has("prompt_embeds")) {
                NDArray e = sd.encodePrompt(List.of(prompt), negative == null ? null : List.of(negative), guidance > 1,
                        clipSkip, m, null);
                out.add(cmp(c, "intermediates", "prompt_embeds", e, cases.doubles(inter.get("prompt_embeds").getAsString())));
            }
            if (inter.has("per_step_latents")) {
                int i = 0;
                for (JsonElement s : inter.getAsJsonArray("per_step_latents")) {
                    String name = s.getAsJsonObject().get("latents_after_step").getAsString();
                    double[] actual = i < steps.size() ? ReferenceCases.toDoubles(steps.get(i)) : new double[0];
                    out.add(Comparison.of(c.id(), "step" + i + ".latents", actual, cases.doubles(name),
                            c.tolerance("intermediates").orElseThrow()));
                    i++;
                }
                if (steps.size() != i) {
                    out.add(new Comparison(c.id(), "steps", steps.size(), i, false, "ran " + steps.size() + " steps, expected " + i));
                }
            }
            out.add(cmp(c, "final_latents", "final_latents", res.latents(), cases.doubles(c.output("final_latents"))));
            if (c.outputs().containsKey("image_decoded_raw")) {
                NDArray raw = sd.vae().decode(res.latents().div(sd.vae().scalingFactor()));
                out.add(cmp(c, "image_decoded_raw", "image_decoded_raw", raw, cases.doubles(c.output("image_decoded_raw"))));
                NDArray img = sd.generateDecodedTensor(res.latents());
                out.add(cmp(c, "image", "image", img, cases.doubles(c.output("image"))));
            }
        }
        return out;
    }

    private static Comparison cmp(Case c, String tolField, String label, NDArray actual, double[] expected) {
        return Comparison.of(c.id(), label, ReferenceCases.toDoubles(actual), expected, c.tolerance(tolField).orElseThrow(() ->
                new IllegalArgumentException(c.id() + ": no tolerance for " + tolField)));
    }
}
