package dev.diffusionlab.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.BenchSupport;
import java.util.Locale;
import java.util.Map;

/** {@code ./dlab bench unet}: random-weight UNet from a config, median ms per forward and peak RSS. */
public final class UNetBench {
    private UNetBench() {}

    public static int run(String[] args) {
        Map<String, String> o = BenchSupport.options(args, BenchSupport.withMeasureOptions("config", "height", "width", "dtype", "batch", "runs", "attention-slicing"));
        String spec = o.getOrDefault("config", "sd15");
        UNetConfig cfg = UNetConfig.from(BenchSupport.config(spec, "unet"));
        int height = Integer.parseInt(o.getOrDefault("height", "512"));
        int width = Integer.parseInt(o.getOrDefault("width", "512"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "2"));
        int runs = Integer.parseInt(o.getOrDefault("runs", "3"));
        DataType dt = BenchSupport.dtype(o.getOrDefault("dtype", "fp32"));
        Engines.Choice ch = Engines.startAndReport();
        long t0 = System.nanoTime();
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(cfg, ch.device(), dt, 0)) {
            if (o.containsKey("attention-slicing")) {
                unet.setAttentionSlicing(o.get("attention-slicing"));
            }
            System.out.printf(Locale.ROOT, "unet %s: %.1f M parameters, built in %.1f s; latent %dx%d, batch %d, %s%n", spec,
                    unet.numParameters() / 1e6, (System.nanoTime() - t0) / 1e9, height / 8, width / 8, batch, dt);
            BenchSupport.measure("unet " + spec + " " + height + "x" + width + " batch " + batch + " " + dt
                    + (o.containsKey("attention-slicing") ? " attention-slicing " + o.get("attention-slicing") : ""), o, runs, ch.device(), m -> {
                NDArray x = m.randomNormal(new Shape(batch, cfg.inChannels(), height / 8, width / 8));
                NDArray ctx = m.randomNormal(new Shape(batch, 77, cfg.crossAttentionDim()));
                unet.forward(x, m.create(999f), ctx).toType(DataType.FLOAT32, false).sum().getFloat();
            });
        }
        return 0;
    }
}
