package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * diffusers' FeedForward with the GEGLU activation: {@code net.0.proj} (dim -> 2·inner),
 * {@code h·gelu(gate)}, {@code net.2} (inner -> dim). inner = 4·dim ({@code mult=4}).
 */
public final class FeedForward extends Module {
    /** net.0: GEGLU with its projection. */
    static final class GEGLU extends Module {
        final Linear proj;

        GEGLU(int dim, int inner) {
            proj = child("proj", new Linear(dim, inner * 2, true));
        }

        NDArray forward(NDArray x) {
            NDArray p = proj.forward(x);
            NDList hg = p.split(2, p.getShape().dimension() - 1); // (B, N, 2·inner) -> 2 × (B, N, inner)
            return hg.get(0).mul(Activations.gelu(hg.get(1)));
        }
    }

    private final GEGLU geglu;
    private final Linear proj;

    public FeedForward(int dim, int mult) {
        int inner = dim * mult;
        ModuleList<Module> net = child("net", new ModuleList<>());
        geglu = (GEGLU) net.add(new GEGLU(dim, inner));
        net.add(new Dropout());
        proj = (Linear) net.add(new Linear(inner, dim, true));
    }

    /** (B, N, dim) -> (B, N, dim). */
    public NDArray forward(NDArray x) {
        return proj.forward(geglu.forward(x));
    }

    /** Parameterless placeholder for torch's Dropout (index 1 of {@code net}; inference only). */
    static final class Dropout extends Module {}
}
