package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.util.function.UnaryOperator;

/** The activation functions of the SD networks, by their config names. */
public final class Activations {
    private Activations() {}

    /** silu(x) = x·σ(x) (also "swish"). */
    public static NDArray silu(NDArray x) {
        return Profiler.time(Profiler.Kind.ELEMENTWISE, () -> x.mul(Activation.sigmoid(x)));
    }

    /**
     * Exact gelu: 0.5·x·(1 + erf(x/√2)), PyTorch's default (approximate="none"), as torch's own fused
     * kernel (one native op and one backward node instead of six).
     */
    public static NDArray gelu(NDArray x) {
        return Profiler.time(Profiler.Kind.ELEMENTWISE, () -> Activation.gelu(x));
    }

    /** quick_gelu(x) = x·σ(1.702x), the activation of OpenAI CLIP (SD 1.x text encoder). */
    public static NDArray quickGelu(NDArray x) {
        return Profiler.time(Profiler.Kind.ELEMENTWISE, () -> x.mul(Activation.sigmoid(Ops.mul(x, 1.702))));
    }

    /** The activation named by a config field ("silu", "swish", "gelu", "quick_gelu"); the error names the field. */
    public static UnaryOperator<NDArray> byName(String name, String field) {
        return switch (name) {
            case "silu", "swish" -> Activations::silu;
            case "gelu" -> Activations::gelu;
            case "quick_gelu" -> Activations::quickGelu;
            default -> throw new IllegalArgumentException("unsupported " + field + " '" + name
                    + "' (supported: silu, swish, gelu, quick_gelu)");
        };
    }
}
