package dev.diffusionlab.vae;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.BenchSupport;
import java.util.Locale;
import java.util.Map;

/** {@code ./dlab bench vae-decode}: random-weight VAE decoder from a latent of height/8 × width/8. */
public final class VaeDecodeBench {
    private VaeDecodeBench() {}

    public static int run(String[] args) {
        Map<String, String> o = BenchSupport.options(args, BenchSupport.withMeasureOptions("config", "height", "width", "dtype", "batch", "runs"));
        String spec = o.getOrDefault("config", "sd15");
        VaeConfig cfg = VaeConfig.from(BenchSupport.config(spec, "vae"));
        int height = Integer.parseInt(o.getOrDefault("height", "512"));
        int width = Integer.parseInt(o.getOrDefault("width", "512"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "1"));
        int runs = Integer.parseInt(o.getOrDefault("runs", "3"));
        DataType dt = BenchSupport.dtype(o.getOrDefault("dtype", "fp32"));
        Engines.Choice ch = Engines.startAndReport();
        try (AutoencoderKL vae = AutoencoderKL.random(cfg, ch.device(), dt, 0)) {
            System.out.printf(Locale.ROOT, "vae %s: %.1f M parameters, latent %dx%d, batch %d, %s%n", spec, vae.numParameters() / 1e6,
                    height / 8, width / 8, batch, dt);
            BenchSupport.measure("vae-decode " + spec + " " + height + "x" + width + " batch " + batch + " " + dt, o, runs, ch.device(), m ->
                    vae.decode(m.randomNormal(new Shape(batch, cfg.latentChannels(), height / 8, width / 8)))
                            .toType(DataType.FLOAT32, false).sum().getFloat());
        }
        return 0;
    }
}
