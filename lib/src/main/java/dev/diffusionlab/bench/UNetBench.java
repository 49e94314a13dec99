package dev.diffusionlab.bench;

import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.unet.UNetConfig;

/** {@code ./dlab bench unet}: random-weight UNet from a config, median ms per forward and peak RSS. */
public final class UNetBench {
    private UNetBench() {}

    public static int run(String[] args) {
        BenchSupport.NetOptions o = BenchSupport.NetOptions.parse(args, true, 2, 3, "attention-slicing");
        UNetConfig cfg = UNetConfig.from(o.config("unet"));
        String slicing = o.options().get("attention-slicing");
        return BenchSupport.timeForward("unet", o, "latent " + o.height() / 8 + "x" + o.width() / 8
                        + (slicing != null ? ", attention slicing " + slicing : ""),
                (device, dtype) -> {
                    UNet2DConditionModel unet = UNet2DConditionModel.random(cfg, device, dtype, 0);
                    if (slicing != null) {
                        unet.setAttentionSlicing(slicing);
                    }
                    return unet;
                },
                (unet, m) -> unet.forward(m.randomNormal(new Shape(o.batch(), cfg.inChannels(), o.height() / 8, o.width() / 8)),
                        m.create(999f), m.randomNormal(new Shape(o.batch(), 77, cfg.crossAttentionDim()))));
    }
}
