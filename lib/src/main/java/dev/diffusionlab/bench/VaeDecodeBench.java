package dev.diffusionlab.bench;

import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.VaeConfig;

/** {@code ./dlab bench vae-decode}: random-weight VAE decoder from a latent of height/8 × width/8. */
public final class VaeDecodeBench {
    private VaeDecodeBench() {}

    public static int run(String[] args) {
        BenchSupport.NetOptions o = BenchSupport.NetOptions.parse(args, true, 1, 3);
        VaeConfig cfg = VaeConfig.from(o.config("vae"));
        return BenchSupport.timeForward("vae-decode", o, "latent " + o.height() / 8 + "x" + o.width() / 8,
                (device, dtype) -> AutoencoderKL.random(cfg, device, dtype, 0),
                (vae, m) -> vae.decode(m.randomNormal(new Shape(o.batch(), cfg.latentChannels(), o.height() / 8, o.width() / 8))));
    }
}
