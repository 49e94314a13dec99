package dev.diffusionlab.unet;

import dev.diffusionlab.core.Checks;
import dev.diffusionlab.nn.Activations;
import dev.diffusionlab.nn.ConfigJson;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * diffusers' UNet2DConditionModel config, the SD 1.x/2.x subset. {@code attention_head_dim} keeps its
 * legacy meaning (the number of heads, an int or one per block), as diffusers does when
 * {@code num_attention_heads} is null. Every other value we do not implement fails with the field name.
 */
public record UNetConfig(int inChannels, int outChannels, int sampleSize, List<String> downBlockTypes, List<String> upBlockTypes,
                         String midBlockType, int[] blockOutChannels, int[] layersPerBlock, int[] heads, int crossAttentionDim,
                         boolean useLinearProjection, boolean upcastAttention, int normNumGroups, float normEps, String actFn,
                         boolean flipSinToCos, int freqShift, int downsamplePadding, float midBlockScaleFactor,
                         int[] transformerLayersPerBlock, String json) {

    public static UNetConfig read(Path configJson) {
        return from(ConfigJson.read(configJson));
    }

    public static UNetConfig from(ConfigJson c) {
        c.requireClassName("UNet2DConditionModel");
        int[] boc = c.getIntList("block_out_channels");
        int n = boc.length;
        List<String> down = c.requireEachOneOf("down_block_types", "CrossAttnDownBlock2D", "DownBlock2D");
        List<String> up = c.requireEachOneOf("up_block_types", "CrossAttnUpBlock2D", "UpBlock2D");
        if (down.size() != n || up.size() != n) {
            throw c.unsupported("down_block_types/up_block_types", down + " / " + up, "one entry per block_out_channels");
        }
        String mid = c.getString("mid_block_type", "UNetMidBlock2DCrossAttn");
        if (!mid.equals("UNetMidBlock2DCrossAttn")) {
            throw c.unsupported("mid_block_type", mid, "UNetMidBlock2DCrossAttn");
        }
        if (c.has("num_attention_heads")) {
            throw c.unsupported("num_attention_heads", c.json().get("num_attention_heads"),
                    "null (diffusers 0.30 also rejects it; SD configs give the head count in attention_head_dim)");
        }
        String act = c.getString("act_fn", "silu");
        Activations.byName(act, "act_fn");
        c.requireOneOf("time_embedding_type", "positional");
        c.requireOneOf("resnet_time_scale_shift", "default");
        c.requireOneOf("attention_type", "default");
        c.requireOneOf("conv_in_kernel", "3");
        c.requireOneOf("conv_out_kernel", "3");
        c.requireOneOf("only_cross_attention", "false");
        c.requireOneOf("dual_cross_attention", "false");
        c.requireOneOf("center_input_sample", "false");
        c.requireOneOf("resnet_skip_time_act", "false");
        c.requireOneOf("class_embeddings_concat", "false");
        c.requireOneOf("resnet_out_scale_factor", "1", "1.0");
        for (String f : List.of("class_embed_type", "num_class_embeds", "addition_embed_type", "encoder_hid_dim",
                "encoder_hid_dim_type", "time_cond_proj_dim", "time_embedding_dim", "time_embedding_act_fn",
                "timestep_post_act", "cross_attention_norm", "projection_class_embeddings_input_dim",
                "reverse_transformer_layers_per_block", "mid_block_only_cross_attention")) {
            c.requireNull(f);
        }
        if (c.has("cross_attention_dim") && c.json().get("cross_attention_dim").isJsonArray()) {
            throw c.unsupported("cross_attention_dim", c.json().get("cross_attention_dim"), "a single integer");
        }
        UNetConfig cfg = new UNetConfig(c.getInt("in_channels", 4), c.getInt("out_channels", 4), c.getInt("sample_size", 64), down, up, mid,
                boc, c.getIntOrList("layers_per_block", n, 2), c.getIntOrList("attention_head_dim", n, 8),
                c.getInt("cross_attention_dim", 1280), c.getBool("use_linear_projection", false), c.getBool("upcast_attention", false),
                c.getInt("norm_num_groups", 32), (float) c.getDouble("norm_eps", 1e-5), act, c.getBool("flip_sin_to_cos", true),
                c.getInt("freq_shift", 0), c.getInt("downsample_padding", 1), (float) c.getDouble("mid_block_scale_factor", 1.0),
                c.getIntOrList("transformer_layers_per_block", n, 1), c.json().toString());
        cfg.checkSizes(c.source());
        return cfg;
    }

    /** Sizes must be positive and consistent (groups and heads divide the channels) before a layer is built. */
    void checkSizes(String src) {
        Checks.inRange(src, "in_channels", inChannels, 1, 1 << 12);
        Checks.inRange(src, "out_channels", outChannels, 1, 1 << 12);
        Checks.inRange(src, "sample_size", sampleSize, 1, 1 << 14);
        Checks.positive(src, "block_out_channels", blockOutChannels);
        Checks.positive(src, "layers_per_block", layersPerBlock);
        Checks.positive(src, "attention_head_dim", heads);
        Checks.positive(src, "transformer_layers_per_block", transformerLayersPerBlock);
        Checks.inRange(src, "cross_attention_dim", crossAttentionDim, 1, 1 << 16);
        Checks.inRange(src, "norm_num_groups", normNumGroups, 1, 1 << 16);
        Checks.finitePositive(src, "norm_eps", normEps);
        for (int i = 0; i < blockOutChannels.length; i++) {
            Checks.inRange(src, "block_out_channels", blockOutChannels[i], 1, 1 << 16);
            Checks.inRange(src, "layers_per_block", layersPerBlock[i], 1, 1000);
            Checks.divides(src, "norm_num_groups", normNumGroups, "block_out_channels[" + i + "]", blockOutChannels[i]);
            if (downBlockTypes.get(i).startsWith("CrossAttn")) {
                Checks.divides(src, "attention_head_dim[" + i + "] (heads)", heads[i], "block_out_channels[" + i + "]", blockOutChannels[i]);
            }
        }
    }

    /**
     * The config.json diffusers writes for an SD-style UNet2DConditionModel: every {@code __init__} argument,
     * in diffusers' order, with the given architecture and diffusers' defaults for the rest (the writing side
     * of this record; {@link #from} is the reading side). Serialise with {@code DiffusersFolder.toJson}.
     *
     * @param attentionHeadDim an int or a list (legacy meaning: heads per block)
     */
    public static Map<String, Object> diffusersConfig(String diffusersVersion, Object attentionHeadDim, List<Integer> blockOutChannels,
                                                      int crossAttentionDim, List<String> downBlockTypes, int normNumGroups,
                                                      int sampleSize, List<String> upBlockTypes) {
        return diffusersConfig(diffusersVersion, attentionHeadDim, blockOutChannels, crossAttentionDim, downBlockTypes, normNumGroups,
                sampleSize, upBlockTypes, 1);
    }

    /**
     * As {@link #diffusersConfig(String, Object, List, int, List, int, int, List)} with {@code layersPerBlock}
     * resnet (+ transformer) layers per down block (diffusers' {@code layers_per_block}; the up blocks get one more).
     *
     * @param attentionHeadDim an int or a list (legacy meaning: heads per block)
     */
    public static Map<String, Object> diffusersConfig(String diffusersVersion, Object attentionHeadDim, List<Integer> blockOutChannels,
                                                      int crossAttentionDim, List<String> downBlockTypes, int normNumGroups,
                                                      int sampleSize, List<String> upBlockTypes, int layersPerBlock) {
        // every init argument written out, as diffusers saves it
        return ConfigJson.map("_class_name", "UNet2DConditionModel", "_diffusers_version", diffusersVersion, "act_fn", "silu",
                "addition_embed_type", null, "addition_embed_type_num_heads", 64, "addition_time_embed_dim", null,
                "attention_head_dim", attentionHeadDim, "attention_type", "default", "block_out_channels", blockOutChannels,
                "center_input_sample", false, "class_embed_type", null, "class_embeddings_concat", false, "conv_in_kernel", 3,
                "conv_out_kernel", 3, "cross_attention_dim", crossAttentionDim, "cross_attention_norm", null,
                "down_block_types", downBlockTypes, "downsample_padding", 1, "dropout", 0.0, "dual_cross_attention", false,
                "encoder_hid_dim", null, "encoder_hid_dim_type", null, "flip_sin_to_cos", true, "freq_shift", 0,
                "in_channels", 4, "layers_per_block", layersPerBlock, "mid_block_only_cross_attention", null, "mid_block_scale_factor", 1,
                "mid_block_type", "UNetMidBlock2DCrossAttn", "norm_eps", 1e-05, "norm_num_groups", normNumGroups,
                "num_attention_heads", null, "num_class_embeds", null, "only_cross_attention", false, "out_channels", 4,
                "projection_class_embeddings_input_dim", null, "resnet_out_scale_factor", 1.0, "resnet_skip_time_act", false,
                "resnet_time_scale_shift", "default", "reverse_transformer_layers_per_block", null, "sample_size", sampleSize,
                "time_cond_proj_dim", null, "time_embedding_act_fn", null, "time_embedding_dim", null,
                "time_embedding_type", "positional", "timestep_post_act", null, "transformer_layers_per_block", 1,
                "up_block_types", upBlockTypes, "upcast_attention", false, "use_linear_projection", false);
    }
}
