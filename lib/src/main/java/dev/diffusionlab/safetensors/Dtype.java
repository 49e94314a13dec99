package dev.diffusionlab.safetensors;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/** The safetensors dtypes this project reads and writes, with their DJL counterparts. */
public enum Dtype {
    F64(8, DataType.FLOAT64),
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.BFLOAT16),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    /** Bytes per element. */
    public final int size;
    /** The DJL data type. */
    public final DataType djl;

    Dtype(int size, DataType djl) {
        this.size = size;
        this.djl = djl;
    }

    /** Parses a header dtype string; the error names the tensor. */
    static Dtype parse(String s, String key, String file) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file + ": tensor '" + key + "' has unsupported dtype '" + s
                    + "' (supported: F64, F32, F16, BF16, I64, I32, I8, U8, BOOL)");
        }
    }

    /** The safetensors dtype of a DJL data type. */
    public static Dtype of(DataType t) {
        for (Dtype d : values()) {
            if (d.djl == t) {
                return d;
            }
        }
        throw new IllegalArgumentException("no safetensors dtype for DJL " + t);
    }
}
