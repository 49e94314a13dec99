package dev.diffusionlab.shapes;

import dev.diffusionlab.nn.ConfigJson;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.DiffusersFolder;
import dev.diffusionlab.unet.UNetConfig;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

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
    /** The training schedule's number of timesteps (scheduler_config.json's num_train_timesteps). */
    public static final int TRAIN_TIMESTEPS = 1000;

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

    /** vae/config.json. */
    public String vaeJson(double scalingFactor) {
        int n = vaeChannels.length;
        return DiffusersFolder.toJson(ConfigJson.map("_class_name", "AutoencoderKL", "_diffusers_version", DIFFUSERS_VERSION, "act_fn", "silu",
                "block_out_channels", boxed(vaeChannels), "down_block_types", Collections.nCopies(n, "DownEncoderBlock2D"),
                "force_upcast", true, "in_channels", 3, "latent_channels", 4, "latents_mean", null, "latents_std", null,
                "layers_per_block", 1, "mid_block_add_attention", true, "norm_num_groups", vaeGroups, "out_channels", 3,
                "sample_size", imageSize, "scaling_factor", (float) scalingFactor, "shift_factor", null,
                "up_block_types", Collections.nCopies(n, "UpDecoderBlock2D"), "use_post_quant_conv", true, "use_quant_conv", true));
    }

    /** unet/config.json: every block with cross-attention. */
    public String unetJson() {
        int n = unetChannels.length;
        return DiffusersFolder.toJson(UNetConfig.diffusersConfig(DIFFUSERS_VERSION, boxed(unetHeads), boxed(unetChannels), textHidden,
                Collections.nCopies(n, "CrossAttnDownBlock2D"), unetGroups, latentSize(), Collections.nCopies(n, "CrossAttnUpBlock2D"), unetLayersPerBlock));
    }

    private static List<Integer> boxed(int[] a) {
        return Arrays.stream(a).boxed().toList();
    }

    /** text_encoder/config.json (transformers' CLIPTextModel, SD 1.5's field set). */
    public String textEncoderJson() {
        int vocab = ShapesVocabulary.vocabSize();
        return DiffusersFolder.toJson(ConfigJson.map("architectures", List.of("CLIPTextModel"), "attention_dropout", 0.0,
                "bos_token_id", vocab - 2, "dropout", 0.0, "eos_token_id", 2, "hidden_act", "quick_gelu", "hidden_size", textHidden,
                "initializer_factor", 1.0, "initializer_range", 0.02, "intermediate_size", 4 * textHidden, "layer_norm_eps", 1e-05,
                "max_position_embeddings", maxLength, "model_type", "clip_text_model", "num_attention_heads", textHeads,
                "num_hidden_layers", textLayers, "pad_token_id", vocab - 1, "projection_dim", textHidden, "torch_dtype", "float32",
                "transformers_version", "4.44.0", "vocab_size", vocab));
    }

    /** scheduler/scheduler_config.json: DDIM on SD's scaled-linear betas (the training schedule). */
    public static String schedulerJson() {
        return DiffusersFolder.toJson(ConfigJson.map("_class_name", "DDIMScheduler", "_diffusers_version", DIFFUSERS_VERSION,
                "beta_end", 0.012, "beta_schedule", "scaled_linear", "beta_start", 0.00085, "clip_sample", false,
                "clip_sample_range", 1.0, "dynamic_thresholding_ratio", 0.995, "num_train_timesteps", TRAIN_TIMESTEPS,
                "prediction_type", "epsilon", "rescale_betas_zero_snr", false, "sample_max_value", 1.0, "set_alpha_to_one", false,
                "steps_offset", 1, "thresholding", false, "timestep_spacing", "leading", "trained_betas", null));
    }

    /** model_index.json of the text-to-image pipeline (DDIM, marked as a shapes-world model). */
    public static String modelIndexJson() {
        return DiffusersFolder.toJson(DiffusersFolder.modelIndex("DDIMScheduler", DIFFUSERS_VERSION, Map.of(DefaultModel.SHAPES_MARKER, true)));
    }
}
