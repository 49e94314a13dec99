package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/** Lookup table; parameter {@code weight} (num, dim). Ids may be any numeric dtype holding integers. */
public final class Embedding extends Module {
    private final Param weight;
    public final int num;
    public final int dim;

    public Embedding(int num, int dim) {
        this.num = num;
        this.dim = dim;
        this.weight = param("weight", new Shape(num, dim), Init.NORMAL_002, 0);
    }

    /** (...) ids -> (..., dim). */
    public NDArray forward(NDArray ids) {
        NDArray idx = Ops.to(ids, DataType.INT64);
        return ai.djl.nn.core.Embedding.embedding(idx, weight.get(), SparseFormat.DENSE).singletonOrThrow();
    }
}
