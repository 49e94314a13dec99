package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.clip.CLIPTextModel;
import java.util.List;
import java.util.function.Function;

/** Runs {@code text_encoder} cases: every output field of transformers' CLIPTextModel. */
public final class TextEncoderVerifier extends ComponentVerifier<CLIPTextModel> {
    /** The verifier of {@code text_encoder} cases. */
    public TextEncoderVerifier() {
        super("text_encoder", CLIPTextModel::fromPretrained, "text_encoder");
    }

    @Override
    protected Function<String, NDArray> run(CLIPTextModel te, ReferenceCases cases, ReferenceCases.Case c, NDManager m) {
        CLIPTextModel.Output o = te.encode(cases.tensor(c.input("input_ids"), m));
        List<NDArray> hs = o.hiddenStates();
        return field -> switch (field) {
            case "last_hidden_state" -> o.lastHiddenState();
            case "pooler_output" -> o.pooledOutput();
            case "embeddings_output" -> hs.get(0);
            case "penultimate_hidden_state" -> hs.get(hs.size() - 2);
            case "penultimate_hidden_state_final_layer_norm" -> o.hiddenState(1);
            default -> null;
        };
    }
}
