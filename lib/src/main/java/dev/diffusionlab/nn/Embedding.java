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

    /**
     * Lookup in the table extended by {@code extra} (k, dim) rows: ids ≥ {@code num} read row id − num of
     * {@code extra} (textual inversion). The table itself is never copied, and gradients reach {@code extra}
     * only through the positions that read it.
     */
    public NDArray forward(NDArray ids, NDArray extra) {
        NDArray idx = Ops.to(ids, DataType.INT64);
        long rows = num + extra.getShape().get(0);
        long max = idx.max().getLong();
        if (max >= rows || idx.min().getLong() < 0) {
            throw new IllegalArgumentException("token id " + max + " is outside the embedding table (0.." + (rows - 1) + ")");
        }
        NDArray base = ai.djl.nn.core.Embedding.embedding(idx.minimum(num - 1), weight.get(), SparseFormat.DENSE).singletonOrThrow();
        NDArray more = ai.djl.nn.core.Embedding.embedding(idx.sub(num).maximum(0), extra, SparseFormat.DENSE).singletonOrThrow();
        NDArray isExtra = idx.gte(num).expandDims(-1).broadcast(base.getShape()); // (...) -> (..., dim)
        return ai.djl.ndarray.NDArrays.where(isExtra, more, base); // (..., dim)
    }
}
