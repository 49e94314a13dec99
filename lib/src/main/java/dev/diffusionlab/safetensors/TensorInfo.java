package dev.diffusionlab.safetensors;

import ai.djl.ndarray.types.Shape;

/** One tensor's header entry: dtype, shape, and its byte range inside the data section. */
public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
    /** The shape as a DJL Shape. */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Byte length of the data. */
    public long byteLength() {
        return end - begin;
    }
}
