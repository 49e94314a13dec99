package dev.diffusionlab.verify;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.nn.Model;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The case runner shared by the verifiers of one model component (text encoder, UNet, VAE): loads the
 * component from its sub-folder in float32, runs the case once, then compares every output field the case
 * lists; a field the run does not produce is reported as a failed comparison, never skipped.
 *
 * @param <M> the component's model class
 */
public abstract class ComponentVerifier<M extends Model<?>> implements CaseVerifier {
    /** How a component is read from its folder ({@code fromPretrained}). */
    @FunctionalInterface
    protected interface Loader<M> {
        /** Loads the component in {@code dir}. */
        M load(Path dir, Device device, DataType dtype);
    }

    private final String component;
    private final Loader<M> loader;
    private final Set<String> kinds;

    /**
     * @param component the sub-folder of the model folder ("unet", "vae", ...)
     * @param loader reads it
     * @param kinds the case kinds this verifier handles
     */
    protected ComponentVerifier(String component, Loader<M> loader, String... kinds) {
        this.component = component;
        this.loader = loader;
        this.kinds = Set.of(kinds);
    }

    /** Runs case {@code c} on the loaded model; returns the array of each output field (null: not produced). */
    protected abstract Function<String, NDArray> run(M model, ReferenceCases cases, ReferenceCases.Case c, NDManager m);

    @Override
    public boolean supports(String kind) {
        return kinds.contains(kind);
    }

    @Override
    public List<ReferenceCases.Comparison> verify(Path modelFolder, ReferenceCases cases, ReferenceCases.Case c, NDManager m) {
        try (M model = loader.load(modelFolder.resolve(component), m.getDevice(), DataType.FLOAT32)) {
            Function<String, NDArray> produced = run(model, cases, c, m);
            List<ReferenceCases.Comparison> out = new ArrayList<>();
            for (String field : c.outputs().keySet()) {
                NDArray actual = produced.apply(field);
                out.add(actual == null
                        ? new ReferenceCases.Comparison(c.id(), field, Double.NaN, Double.NaN, false, "unknown output field (not produced)")
                        : cases.compareOutput(c, field, actual));
            }
            return out;
        }
    }
}
