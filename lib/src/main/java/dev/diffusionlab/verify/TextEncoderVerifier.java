package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.clip.CLIPTextModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code text_encoder} cases: every output field of transformers' CLIPTextModel. */
public final class TextEncoderVerifier implements CaseVerifier {
    @Override
    public boolean supports(String kind) {
        return kind.equals("text_encoder");
    }

    @Override
    public List<ReferenceCases.Comparison> verify(Path modelFolder, ReferenceCases cases, ReferenceCases.Case c, NDManager m) {
        try (CLIPTextModel te = CLIPTextModel.fromPretrained(modelFolder.resolve("text_encoder"), m.getDevice(), DataType.FLOAT32)) {
            CLIPTextModel.Output o = te.encode(cases.tensor(c.input("input_ids"), m));
            List<NDArray> hs = o.hiddenStates();
            List<ReferenceCases.Comparison> out = new ArrayList<>();
            for (String field : c.outputs().keySet()) {
                NDArray actual = switch (field) {
                    case "last_hidden_state" -> o.lastHiddenState();
                    case "pooler_output" -> o.pooledOutput();
                    case "embeddings_output" -> hs.get(0);
                    case "penultimate_hidden_state" -> hs.get(hs.size() - 2);
                    case "penultimate_hidden_state_final_layer_norm" -> o.hiddenState(1);
                    default -> null;
                };
                if (actual == null) {
                    out.add(new ReferenceCases.Comparison(c.id(), field, Double.NaN, Double.NaN, false, "unknown output field"));
                    continue;
                }
                out.add(cases.compareOutput(c, field, actual));
            }
            return out;
        }
    }
}
