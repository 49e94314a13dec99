package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.unet.UNet2DConditionModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code unet} cases: the output sample and, where the case has {@code attention_probes}, the
 * attention probabilities captured through the {@link dev.diffusionlab.nn.AttentionHook}.
 */
public final class UNetVerifier implements CaseVerifier {
    @Override
    public boolean supports(String kind) {
        return kind.equals("unet");
    }

    @Override
    public List<ReferenceCases.Comparison> verify(Path modelFolder, ReferenceCases cases, ReferenceCases.Case c, NDManager m) {
        try (UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(modelFolder.resolve("unet"), m.getDevice(), DataType.FLOAT32)) {
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
            List<ReferenceCases.Comparison> res = new ArrayList<>();
            for (String field : c.outputs().keySet()) {
                NDArray a = field.equals("sample") ? out : captured.get(field);
                res.add(a == null ? new ReferenceCases.Comparison(c.id(), field, Double.NaN, Double.NaN, false, "not produced")
                        : cases.compareOutput(c, field, a));
            }
            return res;
        }
    }
}
