package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.MaskProcessor;
import dev.diffusionlab.pipeline.StableDiffusionInpaintPipeline;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.schedulers.NoiseSource;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.DiagonalGaussian;
import dev.diffusionlab.verify.ReferenceCases.Case;
import dev.diffusionlab.verify.ReferenceCases.Comparison;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The inpainting cases: {@code mask_preprocess} (binary mask at pixel and latent size, normalised and masked
 * image, the masked image's VAE posterior) and {@code inpaint} / {@code blend} (the whole
 * {@link StableDiffusionInpaintPipeline} with a 9-channel UNet or masked blending for a 4-channel one, the
 * recorded noise replayed): every intermediate the case records, each step's latents, the UNet outputs, the
 * final latents and the decoded image.
 */
public final class InpaintVerifier implements CaseVerifier {
    @Override
    public boolean supports(String kind) {
        return kind.equals("mask_preprocess") || kind.equals("inpaint") || kind.equals("blend");
    }

    @Override
    public List<Comparison> verify(Path modelFolder, ReferenceCases cases, Case c, NDManager m) {
        return c.kind().equals("mask_preprocess") ? mask(modelFolder, cases, c, m) : pipeline(modelFolder, cases, c, m);
    }

    private static List<Comparison> mask(Path folder, ReferenceCases cases, Case c, NDManager m) {
        JsonObject p = c.params();
        List<Comparison> out = new ArrayList<>();
        NDArray image = cases.tensor(c.input("image"), m);
        NDArray mask = cases.tensor(c.input("mask_image"), m);
        MaskProcessor.Prepared prep = MaskProcessor.prepare(image, mask, p.get("height").getAsInt(), p.get("width").getAsInt(),
                p.get("vae_scale_factor").getAsInt());
        out.add(cmp(cases, c, "mask_condition", "mask_condition", prep.maskCondition(), c.output("mask_condition")));
        out.add(cmp(cases, c, "mask_latent", "mask_latent", prep.maskLatent(), c.output("mask_latent")));
        out.add(cmp(cases, c, "image_normalized", "image_normalized", prep.image(), c.output("image_normalized")));
        out.add(cmp(cases, c, "masked_image", "masked_image", prep.maskedImage(), c.output("masked_image")));
        try (AutoencoderKL vae = AutoencoderKL.fromPretrained(folder.resolve("vae"), m.getDevice(), DataType.FLOAT32)) {
            DiagonalGaussian d = vae.encode(prep.maskedImage());
            out.add(cmp(cases, c, "masked_image_latent_mean", "masked_image_latent_mean", d.mean(), c.output("masked_image_latent_mean")));
            out.add(cmp(cases, c, "masked_image_latent_std", "masked_image_latent_std", d.std(), c.output("masked_image_latent_std")));
        }
        return out;
    }

    private static List<Comparison> pipeline(Path folder, ReferenceCases cases, Case c, NDManager m) {
        JsonObject p = c.params();
        List<Comparison> out = new ArrayList<>();
        try (StableDiffusionInpaintPipeline inpaint = StableDiffusionInpaintPipeline.load(folder, m.getDevice(), DataType.FLOAT32)) {
            StableDiffusionPipeline sd = inpaint.pipeline();
            int expectIn = p.get("unet_in_channels").getAsInt();
            if (sd.unet().config().inChannels() != expectIn) {
                out.add(new Comparison(c.id(), "unet_in_channels", sd.unet().config().inChannels(), expectIn, false,
                        "UNet has " + sd.unet().config().inChannels() + " input channels, case expects " + expectIn));
                return out;
            }
            String prompt = p.get("prompt").getAsString();
            String negative = p.has("negative_prompt") && !p.get("negative_prompt").isJsonNull() ? p.get("negative_prompt").getAsString() : null;
            double guidance = p.get("guidance_scale").getAsDouble();
            List<NDArray> recorded = new ArrayList<>();
            for (JsonElement n : c.json().getAsJsonArray("noise")) {
                recorded.add(cases.tensor(n.getAsJsonObject().get("name").getAsString(), m));
            }
            GenerationRequest r = GenerationRequest.of(prompt)
                    .guidance(guidance)
                    .steps(p.get("num_inference_steps").getAsInt())
                    .size(p.get("height").getAsInt(), p.get("width").getAsInt())
                    .scheduler(p.get("scheduler_class").getAsString(), PipelineCaseSupport.overrides(p))
                    .initImage(cases.tensor(c.input("image"), m), p.get("strength").getAsDouble())
                    .mask(cases.tensor(c.input("mask_image"), m))
                    .noise(NoiseSource.replay(recorded));
            if (negative != null) {
                r.negative(negative);
            }
            List<NDArray> steps = new ArrayList<>();
            r.callback(s -> {
                NDArray keep = s.latents().toType(DataType.FLOAT32, false).duplicate();
                keep.attach(m);
                return steps.add(keep) || true;
            });
            StableDiffusionInpaintPipeline.Trace trace = StableDiffusionInpaintPipeline.Trace.keepSteps();
            StableDiffusionPipeline.Result res = inpaint.generate(r, m, trace);

            JsonObject inter = c.json().getAsJsonObject("intermediates");
            double[] loop = trace.loopTimesteps();
            double[] expectedLoop = p.getAsJsonArray("loop_timesteps").asList().stream().mapToDouble(JsonElement::getAsDouble).toArray();
            out.add(Comparison.exact(c.id(), "loop_timesteps", f32(loop), f32(expectedLoop)));
            if (inter.has("prompt_embeds")) {
                NDArray e = sd.encodePrompt(List.of(prompt), negative == null ? null : List.of(negative), guidance > 1, null, m, null);
                out.add(cmp(cases, c, "intermediates", "prompt_embeds", e, inter.get("prompt_embeds").getAsString()));
            }
            String[][] fields = {
                {"mask_condition", "mask_condition"}, {"masked_image", "masked_image"}, {"mask_latent", "mask_latent"},
                {"masked_image_latents", "masked_image_latents"}, {"image_latents", "image_latents"},
                {"start_latents", "start_latents"}, {"unet_input_first", "intermediates"}};
            for (String[] f : fields) {
                if (!inter.has(f[0])) {
                    continue;
                }
                NDArray a = switch (f[0]) {
                    case "mask_condition" -> trace.maskCondition();
                    case "masked_image" -> trace.maskedImage();
                    case "mask_latent" -> trace.maskLatent();
                    case "masked_image_latents" -> trace.maskedImageLatents();
                    case "image_latents" -> trace.imageLatents();
                    case "start_latents" -> trace.startLatents();
                    default -> trace.unetInputFirst();
                };
                String tolField = c.json().getAsJsonObject("tolerance").has(f[0]) ? f[0] : f[1];
                out.add(a == null ? new Comparison(c.id(), f[0], Double.NaN, Double.NaN, false, "not computed")
                        : cmp(cases, c, tolField, f[0], a, inter.get(f[0]).getAsString()));
            }
            int i = 0;
            for (JsonElement s : inter.getAsJsonArray("per_step_latents")) {
                JsonObject o = s.getAsJsonObject();
                if (o.has("scheduler_prev_sample")) {
                    out.add(stepCmp(cases, c, "step" + i + ".prev_sample", trace.schedulerPrevSamples(), i,
                            o.get("scheduler_prev_sample").getAsString()));
                    out.add(stepCmp(cases, c, "step" + i + ".init_latents_proper", trace.initLatentsProper(), i,
                            o.get("init_latents_proper").getAsString()));
                }
                out.add(stepCmp(cases, c, "step" + i + ".latents", steps, i, o.get("latents_after_step").getAsString()));
                i++;
            }
            if (steps.size() != i) {
                out.add(new Comparison(c.id(), "steps", steps.size(), i, false, "ran " + steps.size() + " steps, expected " + i));
            }
            if (inter.has("unet_outputs")) {
                int k = 0;
                for (JsonElement u : inter.getAsJsonArray("unet_outputs")) {
                    out.add(stepCmp(cases, c, "unet" + k + ".out", trace.unetOutputs(), k, u.getAsString()));
                    k++;
                }
            }
            out.add(cmp(cases, c, "final_latents", "final_latents", res.latents(), c.output("final_latents")));
            NDArray raw = sd.vae().decode(res.latents().div(sd.vae().scalingFactor()));
            out.add(cmp(cases, c, "image_decoded_raw", "image_decoded_raw", raw, c.output("image_decoded_raw")));
            out.add(cmp(cases, c, "image", "image", res.imageTensor(), c.output("image")));
        }
        return out;
    }

    private static Comparison stepCmp(ReferenceCases cases, Case c, String label, List<NDArray> actual, int i, String name) {
        double[] a = i < actual.size() ? ReferenceCases.toDoubles(actual.get(i)) : new double[0];
        return Comparison.of(c.id(), label, a, cases.doubles(name), PipelineCaseSupport.tolerance(c, "intermediates"));
    }

    private static Comparison cmp(ReferenceCases cases, Case c, String tolField, String label, NDArray actual, String name) {
        return Comparison.of(c.id(), label, ReferenceCases.toDoubles(actual), cases.doubles(name), PipelineCaseSupport.tolerance(c, tolField));
    }

    private static double[] f32(double[] v) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = (float) v[i];
        }
        return o;
    }
}
