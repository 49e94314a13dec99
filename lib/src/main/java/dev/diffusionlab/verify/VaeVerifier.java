package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.DiagonalGaussian;
import java.util.function.Function;

/** Runs {@code vae_decode} (raw decode, no scaling) and {@code vae_encode} (mean, logvar, std) cases. */
public final class VaeVerifier extends ComponentVerifier<AutoencoderKL> {
    /** The verifier of {@code vae_decode} and {@code vae_encode} cases. */
    public VaeVerifier() {
        super("vae", AutoencoderKL::fromPretrained, "vae_decode", "vae_encode");
    }

    @Override
    protected Function<String, NDArray> run(AutoencoderKL vae, ReferenceCases cases, ReferenceCases.Case c, NDManager m) {
        if (c.kind().equals("vae_decode")) {
            NDArray img = vae.decode(cases.tensor(c.input("z"), m));
            return field -> field.equals("sample") ? img : null;
        }
        DiagonalGaussian d = vae.encode(cases.tensor(c.input("x"), m));
        return field -> switch (field) {
            case "mean" -> d.mean();
            case "logvar" -> d.logvar();
            case "std" -> d.std();
            default -> null;
        };
    }
}
