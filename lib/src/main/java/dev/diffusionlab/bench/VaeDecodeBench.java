package dev.diffusionlab.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.VaeConfig;
import java.util.Locale;

/** {@code ./dlab bench vae-decode}: random-weight VAE decoder from a latent of height/8 × width/8. */
public final class VaeDecodeBench {
    private VaeDecodeBench() {}

    public static int run(String[] args) {
        BenchSupport.NetOptions o = BenchSupport.NetOptions.parse(args, true, 1, 3);
        String spec = o.spec();
        VaeConfig cfg = VaeConfig.from(o.config("vae"));
        int height = o.height();
        int width = o.width();
        int batch = o.batch();
        int runs = o.runs();
        DataType dt = o.dtype();
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
