package dev.diffusionlab.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.UserInputException;
import java.util.Locale;

/**
 * Stops a generation when its arrays stop being finite numbers, instead of writing a blank or saturated
 * picture. One reduction per check (max |x|), cheap next to a UNet step.
 */
public final class FiniteGuard {
    private FiniteGuard() {}

    /** Above this, latents are saturated garbage even if finite (SD latents stay within a few tens). */
    public static final double MAX_ABS_LATENT = 1e4;

    /** The largest |x|, or NaN/inf when any entry is not finite. */
    public static double maxAbs(NDArray x) {
        NDArray f = x.getDataType() == DataType.FLOAT32 ? x.abs() : x.toType(DataType.FLOAT32, false).abs();
        if (f.isNaN().any().getBoolean()) {
            return Double.NaN;
        }
        return f.max().getFloat();
    }

    /** After text encoding: NaN/inf embeddings come from the text encoder's weights. */
    public static void checkEmbeddings(NDArray embeds) {
        double m = maxAbs(embeds);
        if (!Double.isFinite(m)) {
            throw new UserInputException("text encoder output is " + word(m)
                    + ": likely NaN/inf values in text_encoder weights (model.safetensors)");
        }
    }

    /** After denoising step {@code i} (0-based) of {@code n} at timestep {@code t}. */
    public static void checkStep(NDArray latents, int i, int n, double t, double guidance) {
        double m = maxAbs(latents);
        if (!Double.isFinite(m) || m > MAX_ABS_LATENT) {
            throw new UserInputException(String.format(Locale.ROOT,
                    "latents are %s after denoising step %d/%d (t=%.0f): likely cause: %s", Double.isFinite(m)
                            ? String.format(Locale.ROOT, "saturated (max |x| = %.3g)", m) : word(m), i + 1, n, t,
                    Math.abs(guidance) > 50 ? "the guidance scale " + guidance + " (--cfg; typical values are 1..20)"
                            : "NaN/inf or extreme values in the unet weights (diffusion_pytorch_model.safetensors)"));
        }
    }

    /** After the VAE decode. */
    public static void checkDecoded(NDArray decoded) {
        double m = maxAbs(decoded);
        if (!Double.isFinite(m)) {
            throw new UserInputException("VAE decode output is " + word(m)
                    + ": likely NaN/inf values in the vae weights or a bad vae scaling_factor");
        }
    }

    private static String word(double m) {
        return Double.isNaN(m) ? "NaN" : Double.isInfinite(m) ? "infinite" : "not finite";
    }
}
