package dev.diffusionlab.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.unet.UNetConfig;
import java.util.Locale;

/** {@code ./dlab bench unet}: random-weight UNet from a config, median ms per forward and peak RSS. */
public final class UNetBench {
    private UNetBench() {}

    public static int run(String[] args) {
        BenchSupport.NetOptions o = BenchSupport.NetOptions.parse(args, true, 2, 3);
        String spec = o.spec();
        UNetConfig cfg = UNetConfig.from(o.config("unet"));
        int height = o.height();
        int width = o.width();
        int batch = o.batch();
        int runs = o.runs();
        DataType dt = o.dtype();
        Engines.Choice ch = Engines.startAndReport();
        long t0 = System.nanoTime();
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(cfg, ch.device(), dt, 0)) {
            System.out.printf(Locale.ROOT, "unet %s: %.1f M parameters, built in %.1f s; latent %dx%d, batch %d, %s%n", spec,
                    unet.numParameters() / 1e6, (System.nanoTime() - t0) / 1e9, height / 8, width / 8, batch, dt);
            double ms = BenchSupport.medianMs(runs, i -> {
                try (NDManager m = NDManager.newBaseManager(ch.device())) {
                    NDArray x = m.randomNormal(new Shape(batch, cfg.inChannels(), height / 8, width / 8));
                    NDArray ctx = m.randomNormal(new Shape(batch, 77, cfg.crossAttentionDim()));
                    unet.forward(x, m.create(999f), ctx).toType(DataType.FLOAT32, false).sum().getFloat();
                }
            });
            BenchSupport.report("unet " + spec + " " + height + "x" + width + " batch " + batch + " " + dt, ms, runs);
        }
        return 0;
    }
}
