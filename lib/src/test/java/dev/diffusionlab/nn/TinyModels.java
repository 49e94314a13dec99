package dev.diffusionlab.nn;

import dev.diffusionlab.clip.CLIPTextConfig;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.unet.UNetConfig;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.VaeConfig;

/** Very small configs for tests that need no fixtures. */
public final class TinyModels {
    private TinyModels() {}

    public static UNetConfig unet(boolean linearProjection) {
        return UNet2DConditionModel.parseConfig("""
                {"_class_name": "UNet2DConditionModel", "block_out_channels": [16, 32],
                 "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
                 "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
                 "layers_per_block": 1, "attention_head_dim": [2, 4], "cross_attention_dim": 8,
                 "norm_num_groups": 8, "sample_size": 8, "use_linear_projection": %s, "upcast_attention": %s}
                """.formatted(linearProjection, linearProjection), "tiny-unet");
    }

    public static VaeConfig vae() {
        return AutoencoderKL.parseConfig("""
                {"_class_name": "AutoencoderKL", "block_out_channels": [8, 16],
                 "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
                 "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"],
                 "layers_per_block": 1, "latent_channels": 4, "norm_num_groups": 4, "sample_size": 16}
                """, "tiny-vae");
    }

    public static CLIPTextConfig clip() {
        return CLIPTextConfig.from(ConfigJson.parse("""
                {"model_type": "clip_text_model", "vocab_size": 100, "hidden_size": 16, "intermediate_size": 32,
                 "num_hidden_layers": 2, "num_attention_heads": 2, "max_position_embeddings": 12, "hidden_act": "gelu",
                 "eos_token_id": 2}
                """, "tiny-clip"));
    }
}
