package dev.diffusionlab.vae;

import dev.diffusionlab.core.Checks;
import dev.diffusionlab.nn.Activations;
import dev.diffusionlab.nn.ConfigJson;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** diffusers' AutoencoderKL config (the fields the architecture needs). */
public record VaeConfig(int inChannels, int outChannels, int[] blockOutChannels, int layersPerBlock,
                        int latentChannels, int normNumGroups, String actFn, int sampleSize, double scalingFactor,
                        boolean useQuantConv, boolean usePostQuantConv, boolean midBlockAddAttention, String json) {

    /** Reads {@code vae/config.json}; unsupported values fail naming the field and value. */
    public static VaeConfig read(Path configJson) {
        return from(ConfigJson.read(configJson));
    }

    public static VaeConfig from(ConfigJson c) {
        c.requireClassName("AutoencoderKL");
        int[] boc = c.getIntList("block_out_channels");
        List<String> down = c.requireEachOneOf("down_block_types", "DownEncoderBlock2D");
        List<String> up = c.requireEachOneOf("up_block_types", "UpDecoderBlock2D");
        if (down.size() != boc.length || up.size() != boc.length) {
            throw c.unsupported("down_block_types/up_block_types", down, "one entry per block_out_channels " + Arrays.toString(boc));
        }
        String act = c.getString("act_fn", "silu");
        Activations.byName(act, "act_fn");
        c.requireNull("latents_mean");
        c.requireNull("shift_factor");
        VaeConfig cfg = new VaeConfig(c.getInt("in_channels", 3), c.getInt("out_channels", 3), boc, c.getInt("layers_per_block", 1),
                c.getInt("latent_channels", 4), c.getInt("norm_num_groups", 32), act, c.getInt("sample_size", 512),
                c.getDouble("scaling_factor", 0.18215), c.getBool("use_quant_conv", true), c.getBool("use_post_quant_conv", true),
                c.getBool("mid_block_add_attention", true), c.json().toString());
        cfg.checkSizes(c.source());
        return cfg;
    }

    /** Sizes positive, groups dividing the channels, and a usable latent scale (0 would divide by zero: a blank image). */
    void checkSizes(String src) {
        Checks.inRange(src, "in_channels", inChannels, 1, 1 << 12);
        Checks.inRange(src, "out_channels", outChannels, 1, 1 << 12);
        Checks.positive(src, "block_out_channels", blockOutChannels);
        Checks.inRange(src, "layers_per_block", layersPerBlock, 1, 1000);
        Checks.inRange(src, "latent_channels", latentChannels, 1, 1 << 12);
        Checks.inRange(src, "norm_num_groups", normNumGroups, 1, 1 << 16);
        Checks.inRange(src, "sample_size", sampleSize, 1, 1 << 16);
        Checks.inRange(src, "scaling_factor", scalingFactor, 1e-6, 1e6);
        for (int i = 0; i < blockOutChannels.length; i++) {
            Checks.inRange(src, "block_out_channels", blockOutChannels[i], 1, 1 << 16);
            Checks.divides(src, "norm_num_groups", normNumGroups, "block_out_channels[" + i + "]", blockOutChannels[i]);
        }
    }
}
