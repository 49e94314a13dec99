package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.unet.UNet2DConditionModel;
import java.util.HashMap;
import java.util.function.Function;
import java.util.Map;

/**
 * Runs {@code unet} cases: the output sample and, where the case has {@code attention_probes}, the
 * attention probabilities captured through the {@link dev.diffusionlab.nn.AttentionHook}.
 */
public final class UNetVerifier extends ComponentVerifier<UNet2DConditionModel> {
    /** The verifier of {@code unet} cases. */
    public UNetVerifier() {
        super("unet", UNet2DConditionModel::fromPretrained, "unet");
    }

    @Override
    protected Function<String, NDArray> run(UNet2DConditionModel unet, ReferenceCases cases, ReferenceCases.Case c, NDManager m) {
        NDArray sample = cases.tensor(c.input("sample"), m);
        NDArray t = cases.tensor(c.input("timestep"), m);
        if (c.params().has("timestep_dtype") && c.params().get("timestep_dtype").getAsString().equals("int64")) {
            t = t.toType(DataType.INT64, false);
        }
        NDArray ctx = cases.tensor(c.input("encoder_hidden_states"), m);
        // probe field ("attn_probs.down0") by module path
        Map<String, String> probes = new HashMap<>();
        JsonObject ap = c.json().has("attention_probes") ? c.json().getAsJsonObject("attention_probes") : new JsonObject();
        for (Map.Entry<String, JsonElement> e : ap.entrySet()) {
            probes.put(e.getValue().getAsJsonObject().get("module").getAsString(), "attn_probs." + e.getKey());
        }
        Map<String, NDArray> captured = new HashMap<>();
        if (!probes.isEmpty()) {
            unet.setAttentionHook((call, probs) -> {
                String field = probes.get(call.layer());
                if (field != null) {
                    NDArray keep = probs.duplicate();
                    keep.attach(m);
                    captured.put(field, keep);
                }
                return probs;
            });
        }
        NDArray out = unet.forward(sample, t, ctx);
        return field -> field.equals("sample") ? out : captured.get(field);
    }
}
