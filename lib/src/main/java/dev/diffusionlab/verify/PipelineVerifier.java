package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.verify.ReferenceCases.Case;
import dev.diffusionlab.verify.ReferenceCases.Comparison;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
            String negative = PipelineCaseSupport.negative(p);
            double guidance = p.get("guidance_scale").getAsDouble();
            Integer clipSkip = PipelineCaseSupport.clipSkip(p);
            GenerationRequest r = PipelineCaseSupport.request(cases, c, m);
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
