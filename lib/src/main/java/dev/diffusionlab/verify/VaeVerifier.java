package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.DiagonalGaussian;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code vae_decode} (raw decode, no scaling) and {@code vae_encode} (mean, logvar, std) cases. */
public final class VaeVerifier implements CaseVerifier {
    @Override
    public boolean supports(String kind) {
        return kind.equals("vae_decode") || kind.equals("vae_encode");
    }

    @Override
    public List<ReferenceCases.Comparison> verify(Path modelFolder, ReferenceCases cases, ReferenceCases.Case c, NDManager m) {
        try (AutoencoderKL vae = AutoencoderKL.fromPretrained(modelFolder.resolve("vae"), m.getDevice(), DataType.FLOAT32)) {
            List<ReferenceCases.Comparison> out = new ArrayList<>();
            if (c.kind().equals("vae_decode")) {
                NDArray img = vae.decode(cases.tensor(c.input("z"), m));
                out.add(cases.compareOutput(c, "sample", img));
            } else {
                DiagonalGaussian d = vae.encode(cases.tensor(c.input("x"), m));
                for (String field : c.outputs().keySet()) {
                    NDArray a = switch (field) {
                        case "mean" -> d.mean();
                        case "logvar" -> d.logvar();
                        case "std" -> d.std();
                        default -> null;
                    };
                    out.add(a == null ? new ReferenceCases.Comparison(c.id(), field, Double.NaN, Double.NaN, false, "unknown output field")
                            : cases.compareOutput(c, field, a));
                }
            }
            return out;
        }
    }
}
