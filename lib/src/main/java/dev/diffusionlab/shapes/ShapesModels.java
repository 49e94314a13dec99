package dev.diffusionlab.shapes;

import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.DiffusersFolder;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Architectures of the shapes-world model, written as the {@code config.json} files diffusers and
 * transformers write (every field, so the folder loads in diffusers as it is).
 *
 * @param imageSize image side in pixels
 * @param vaeChannels VAE block_out_channels; the latents are imageSize / 2^(levels−1) on a side
 * @param vaeGroups VAE norm_num_groups
 * @param textHidden CLIP hidden_size (= the UNet's cross_attention_dim)
 * @param textLayers CLIP num_hidden_layers
 * @param textHeads CLIP num_attention_heads
 * @param maxLength tokenizer model_max_length = CLIP max_position_embeddings
 * @param unetChannels UNet block_out_channels, every block with cross-attention
 * @param unetHeads UNet attention_head_dim (legacy meaning: heads per block)
 * @param unetGroups UNet norm_num_groups
 * @param unetLayersPerBlock UNet layers_per_block (resnet + transformer pairs per down block)
 */
public record ShapesModels(int imageSize, int[] vaeChannels, int vaeGroups, int textHidden, int textLayers, int textHeads,
                           int maxLength, int[] unetChannels, int[] unetHeads, int unetGroups, int unetLayersPerBlock) {
    public static final String DIFFUSERS_VERSION = "0.30.0";

    /** The v1 layout: one resnet + transformer per block. */
    public ShapesModels(int imageSize, int[] vaeChannels, int vaeGroups, int textHidden, int textLayers, int textHeads,
                        int maxLength, int[] unetChannels, int[] unetHeads, int unetGroups) {
        this(imageSize, vaeChannels, vaeGroups, textHidden, textLayers, textHeads, maxLength, unetChannels, unetHeads, unetGroups, 1);
    }

    /** The shipped architecture: 32×32 images, 8×8×4 latents. */
    public static ShapesModels standard() {
        return new ShapesModels(32, new int[] {16, 32, 32}, 8, 64, 2, 4, 32, new int[] {32, 64}, new int[] {2, 4}, 8);
    }

    /** A very small one for smoke tests. */
    public static ShapesModels tiny() {
        return new ShapesModels(32, new int[] {8, 16, 16}, 4, 16, 1, 2, 32, new int[] {16, 32}, new int[] {2, 4}, 4);
    }

    /**
     * The v2 architecture: 64×64 images, 16×16×4 latents; the UNet has cross-attention at 16×16, 8×8 and
     * 4×4 plus its mid block at 4×4 (three levels, so the bottom sees the whole picture and can learn
     * positions), 48/96/96 channels with 32-wide heads; a 3-layer, 128-wide text encoder; a VAE of
     * 16/32/64 channels (only 16 at 64×64, where most of its work is).
     * About 5 M parameters: under 12 MB in fp16 (two resnet + transformer pairs per block would double the UNet).
     */
    public static ShapesModels v2() {
        return new ShapesModels(64, new int[] {16, 32, 64}, 8, 128, 3, 4, 32, new int[] {48, 96, 96}, new int[] {2, 3, 3}, 16, 1);
    }

    /** The v2 layout made very small, for smoke tests (64×64 images, 16×16 latents). */
    public static ShapesModels tinyV2() {
        return new ShapesModels(64, new int[] {8, 16, 16}, 4, 16, 1, 2, 32, new int[] {16, 32, 32}, new int[] {2, 4, 4}, 4, 1);
    }

    /** Latent side in pixels. */
    public int latentSize() {
        return imageSize >> (vaeChannels.length - 1);
    }

    private static String list(int[] a) {
        return Arrays.stream(a).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String repeat(String s, int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "\"" + s + "\""));
    }

    /** vae/config.json. */
    public String vaeJson(double scalingFactor) {
        int n = vaeChannels.length;
        return String.format(Locale.ROOT, """
                {
                  "_class_name": "AutoencoderKL",
                  "_diffusers_version": "%s",
                  "act_fn": "silu",
                  "block_out_channels": %s,
                  "down_block_types": [%s],
                  "force_upcast": true,
                  "in_channels": 3,
                  "latent_channels": 4,
                  "latents_mean": null,
                  "latents_std": null,
                  "layers_per_block": 1,
                  "mid_block_add_attention": true,
                  "norm_num_groups": %d,
                  "out_channels": 3,
                  "sample_size": %d,
                  "scaling_factor": %s,
                  "shift_factor": null,
                  "up_block_types": [%s],
                  "use_post_quant_conv": true,
                  "use_quant_conv": true
                }
                """, DIFFUSERS_VERSION, list(vaeChannels), repeat("DownEncoderBlock2D", n), vaeGroups, imageSize,
                Float.toString((float) scalingFactor), repeat("UpDecoderBlock2D", n));
    }

    /** unet/config.json. */
    public String unetJson() {
        int n = unetChannels.length;
        return String.format(Locale.ROOT, """
                {
                  "_class_name": "UNet2DConditionModel",
                  "_diffusers_version": "%s",
                  "act_fn": "silu",
                  "addition_embed_type": null,
                  "addition_embed_type_num_heads": 64,
                  "addition_time_embed_dim": null,
                  "attention_head_dim": %s,
                  "attention_type": "default",
                  "block_out_channels": %s,
                  "center_input_sample": false,
                  "class_embed_type": null,
                  "class_embeddings_concat": false,
                  "conv_in_kernel": 3,
                  "conv_out_kernel": 3,
                  "cross_attention_dim": %d,
                  "cross_attention_norm": null,
                  "down_block_types": [%s],
                  "downsample_padding": 1,
                  "dropout": 0.0,
                  "dual_cross_attention": false,
                  "encoder_hid_dim": null,
                  "encoder_hid_dim_type": null,
                  "flip_sin_to_cos": true,
                  "freq_shift": 0,
                  "in_channels": 4,
                  "layers_per_block": %d,
                  "mid_block_only_cross_attention": null,
                  "mid_block_scale_factor": 1,
                  "mid_block_type": "UNetMidBlock2DCrossAttn",
                  "norm_eps": 1e-05,
                  "norm_num_groups": %d,
                  "num_attention_heads": null,
                  "num_class_embeds": null,
                  "only_cross_attention": false,
                  "out_channels": 4,
                  "projection_class_embeddings_input_dim": null,
                  "resnet_out_scale_factor": 1.0,
                  "resnet_skip_time_act": false,
                  "resnet_time_scale_shift": "default",
                  "reverse_transformer_layers_per_block": null,
                  "sample_size": %d,
                  "time_cond_proj_dim": null,
                  "time_embedding_act_fn": null,
                  "time_embedding_dim": null,
                  "time_embedding_type": "positional",
                  "timestep_post_act": null,
                  "transformer_layers_per_block": 1,
                  "up_block_types": [%s],
                  "upcast_attention": false,
                  "use_linear_projection": false
                }
                """, DIFFUSERS_VERSION, list(unetHeads), list(unetChannels), textHidden, repeat("CrossAttnDownBlock2D", n), unetLayersPerBlock, unetGroups,
                latentSize(), repeat("CrossAttnUpBlock2D", n));
    }

    /** text_encoder/config.json (transformers' CLIPTextModel, SD 1.5's field set). */
    public String textEncoderJson() {
        return String.format(Locale.ROOT, """
                {
                  "architectures": ["CLIPTextModel"],
                  "attention_dropout": 0.0,
                  "bos_token_id": %d,
                  "dropout": 0.0,
                  "eos_token_id": 2,
                  "hidden_act": "quick_gelu",
                  "hidden_size": %d,
                  "initializer_factor": 1.0,
                  "initializer_range": 0.02,
                  "intermediate_size": %d,
                  "layer_norm_eps": 1e-05,
                  "max_position_embeddings": %d,
                  "model_type": "clip_text_model",
                  "num_attention_heads": %d,
                  "num_hidden_layers": %d,
                  "pad_token_id": %d,
                  "projection_dim": %d,
                  "torch_dtype": "float32",
                  "transformers_version": "4.44.0",
                  "vocab_size": %d
                }
                """, ShapesVocabulary.vocabSize() - 2, textHidden, 4 * textHidden, maxLength, textHeads, textLayers,
                ShapesVocabulary.vocabSize() - 1, textHidden, ShapesVocabulary.vocabSize());
    }

    /** scheduler/scheduler_config.json: DDIM on SD's scaled-linear betas (the training schedule). */
    public static String schedulerJson() {
        return """
                {
                  "_class_name": "DDIMScheduler",
                  "_diffusers_version": "%s",
                  "beta_end": 0.012,
                  "beta_schedule": "scaled_linear",
                  "beta_start": 0.00085,
                  "clip_sample": false,
                  "clip_sample_range": 1.0,
                  "dynamic_thresholding_ratio": 0.995,
                  "num_train_timesteps": 1000,
                  "prediction_type": "epsilon",
                  "rescale_betas_zero_snr": false,
                  "sample_max_value": 1.0,
                  "set_alpha_to_one": false,
                  "steps_offset": 1,
                  "thresholding": false,
                  "timestep_spacing": "leading",
                  "trained_betas": null
                }
                """.formatted(DIFFUSERS_VERSION);
    }

    /** model_index.json of the text-to-image pipeline (DDIM, marked as a shapes-world model). */
    public static String modelIndexJson() {
        return DiffusersFolder.toJson(DiffusersFolder.modelIndex("DDIMScheduler", DIFFUSERS_VERSION, Map.of(DefaultModel.SHAPES_MARKER, true)));
    }
}
