package dev.diffusionlab.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.VaeConfig;
import java.util.Locale;
import java.util.Map;

/** {@code ./dlab bench vae-decode}: random-weight VAE decoder from a latent of height/8 × width/8. */
public final class VaeDecodeBench {
    private VaeDecodeBench() {}

    public static int run(String[] args) {
        Map<String, String> o = BenchSupport.options(args, "config", "height", "width", "dtype", "batch", "runs");
        String spec = o.getOrDefault("config", "sd15");
        VaeConfig cfg = VaeConfig.from(BenchSupport.config(spec, "vae"));
        int height = BenchSupport.intOption(o, "height", 512);
        int width = BenchSupport.intOption(o, "width", 512);
        int batch = BenchSupport.intOption(o, "batch", 1);
        int runs = BenchSupport.intOption(o, "runs", 3);
        DataType dt = BenchSupport.dtype(o.getOrDefault("dtype", "fp32"));
        Engines.Choice ch = Engines.startAndReport();
        try (AutoencoderKL vae = AutoencoderKL.random(cfg, ch.device(), dt, 0)) {
            System.out.printf(Locale.ROOT, "vae %s: %.1f M parameters, latent %dx%d, batch %d, %s%n", spec, vae.numParameters() / 1e6,
                    height / 8, width / 8, batch, dt);
            double ms = BenchSupport.medianMs(runs, i -> {
                try (NDManager m = NDManager.newBaseManager(ch.device())) {
                    vae.decode(m.randomNormal(new Shape(batch, cfg.latentChannels(), height / 8, width / 8)))
                            .toType(DataType.FLOAT32, false).sum().getFloat();
                }
            });
            BenchSupport.report("vae-decode " + spec + " " + height + "x" + width + " batch " + batch + " " + dt, ms, runs);
        }
        return 0;
    }
}
