package dev.diffusionlab.verify;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.verify.ReferenceCases.Case;
import dev.diffusionlab.verify.ReferenceCases.Tolerance;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers shared by the inpainting and textual-inversion verifiers. */
final class PipelineCaseSupport {
    private PipelineCaseSupport() {}

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
