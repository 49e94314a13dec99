package dev.diffusionlab.clip;

import dev.diffusionlab.core.Checks;
import dev.diffusionlab.nn.Activations;
import dev.diffusionlab.nn.ConfigJson;
import java.nio.file.Path;

/**
 * transformers' CLIPTextConfig (the fields the text encoder needs). {@code eosTokenId == 2} is the
 * legacy value of SD checkpoints: the pooled output then takes the position of the highest token id.
 */
public record CLIPTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                             int numAttentionHeads, int maxPositionEmbeddings, String hiddenAct,
                             float layerNormEps, int eosTokenId) {

    /** Reads {@code text_encoder/config.json}; unsupported values fail naming the field. */
    public static CLIPTextConfig read(Path configJson) {
        return from(ConfigJson.read(configJson));
    }

    public static CLIPTextConfig from(ConfigJson c) {
        String mt = c.getString("model_type", "clip_text_model");
        if (!mt.equals("clip_text_model") && !mt.equals("clip")) {
            throw c.unsupported("model_type", mt, "clip_text_model");
        }
        String act = c.getString("hidden_act", "quick_gelu");
        Activations.byName(act, c.source() + ": hidden_act");
        CLIPTextConfig cfg = new CLIPTextConfig(c.getInt("vocab_size", 49408), c.getInt("hidden_size", 512),
                c.getInt("intermediate_size", 2048), c.getInt("num_hidden_layers", 12),
                c.getInt("num_attention_heads", 8), c.getInt("max_position_embeddings", 77), act,
                (float) c.getDouble("layer_norm_eps", 1e-5), c.getInt("eos_token_id", 2));
        cfg.checkSizes(c.source());
        if (cfg.hiddenSize % cfg.numAttentionHeads != 0) {
            throw c.unsupported("num_attention_heads", cfg.numAttentionHeads, "a divisor of hidden_size " + cfg.hiddenSize);
        }
        return cfg;
    }

    /** Sizes must be positive (and bounded) before anything divides by them or allocates with them. */
    void checkSizes(String src) {
        Checks.inRange(src, "vocab_size", vocabSize, 1, 1 << 22);
        Checks.inRange(src, "hidden_size", hiddenSize, 1, 1 << 16);
        Checks.inRange(src, "intermediate_size", intermediateSize, 1, 1 << 18);
        Checks.inRange(src, "num_hidden_layers", numHiddenLayers, 1, 1000);
        Checks.inRange(src, "num_attention_heads", numAttentionHeads, 1, 1 << 12);
        Checks.inRange(src, "max_position_embeddings", maxPositionEmbeddings, 1, 1 << 16);
        Checks.finitePositive(src, "layer_norm_eps", layerNormEps);
        Checks.inRange(src, "eos_token_id", eosTokenId, 0, vocabSize - 1);
    }

    /** The JSON written next to saved weights. */
    public String toJson() {
        return "{\n  \"architectures\": [\"CLIPTextModel\"],\n  \"model_type\": \"clip_text_model\",\n"
                + "  \"vocab_size\": " + vocabSize + ",\n  \"hidden_size\": " + hiddenSize + ",\n"
                + "  \"intermediate_size\": " + intermediateSize + ",\n  \"num_hidden_layers\": " + numHiddenLayers + ",\n"
                + "  \"num_attention_heads\": " + numAttentionHeads + ",\n  \"max_position_embeddings\": " + maxPositionEmbeddings + ",\n"
                + "  \"hidden_act\": \"" + hiddenAct + "\",\n  \"layer_norm_eps\": " + layerNormEps + ",\n"
                + "  \"bos_token_id\": 0,\n  \"eos_token_id\": " + eosTokenId + ",\n  \"pad_token_id\": 1\n}\n";
    }
}
