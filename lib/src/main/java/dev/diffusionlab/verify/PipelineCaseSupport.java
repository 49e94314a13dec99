package dev.diffusionlab.verify;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.verify.ReferenceCases.Case;
import dev.diffusionlab.verify.ReferenceCases.Tolerance;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.schedulers.NoiseSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small helpers shared by the pipeline, inpainting and textual-inversion verifiers. */
final class PipelineCaseSupport {
    private PipelineCaseSupport() {}

    /** {@code params.negative_prompt}, or null when absent or null. */
    static String negative(JsonObject p) {
        return p.has("negative_prompt") && !p.get("negative_prompt").isJsonNull() ? p.get("negative_prompt").getAsString() : null;
    }

    /** {@code params.clip_skip}, or null when absent or null. */
    static Integer clipSkip(JsonObject p) {
        return p.has("clip_skip") && !p.get("clip_skip").isJsonNull() ? p.get("clip_skip").getAsInt() : null;
    }

    /**
     * The request every pipeline case starts from: prompt, negative prompt, guidance, steps, size, scheduler
     * class with its overrides, clip skip, and the case's recorded noise replayed (arrays in {@code m}).
     */
    static GenerationRequest request(ReferenceCases cases, Case c, NDManager m) {
        JsonObject p = c.params();
        List<NDArray> recorded = new ArrayList<>();
        if (c.json().has("noise")) {
            for (JsonElement n : c.json().getAsJsonArray("noise")) {
                recorded.add(cases.tensor(n.getAsJsonObject().get("name").getAsString(), m));
            }
        }
        GenerationRequest r = GenerationRequest.of(p.get("prompt").getAsString())
                .guidance(p.get("guidance_scale").getAsDouble())
                .steps(p.get("num_inference_steps").getAsInt())
                .size(p.get("height").getAsInt(), p.get("width").getAsInt())
                .scheduler(p.get("scheduler_class").getAsString(), overrides(p))
                .clipSkip(clipSkip(p))
                .noise(NoiseSource.replay(recorded));
        String negative = negative(p);
        if (negative != null) {
            r.negative(negative);
        }
        return r;
    }

    /** {@code params.scheduler_from_config_overrides} as a map (empty when absent). */
    static Map<String, Object> overrides(JsonObject p) {
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (p.has("scheduler_from_config_overrides")) {
            for (Map.Entry<String, JsonElement> e : p.getAsJsonObject("scheduler_from_config_overrides").entrySet()) {
                JsonElement v = e.getValue();
                overrides.put(e.getKey(), v.getAsJsonPrimitive().isBoolean() ? (Object) v.getAsBoolean()
                        : v.getAsJsonPrimitive().isNumber() ? (Object) v.getAsNumber() : v.getAsString());
            }
        }
        return overrides;
    }

    /** The case's tolerance for {@code field}: an object (atol, rtol) or the string "exact" (0, 0); missing is an error. */
    static Tolerance tolerance(Case c, String field) {
        JsonObject t = c.json().has("tolerance") ? c.json().getAsJsonObject("tolerance") : new JsonObject();
        JsonElement e = t.get(field);
        if (e != null && e.isJsonPrimitive() && e.getAsString().equals("exact")) {
            return new Tolerance(0, 0);
        }
        return c.tolerance(field).orElseThrow(() -> new IllegalArgumentException(c.id() + ": no tolerance for '" + field + "'"));
    }
}
