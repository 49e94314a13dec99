package dev.diffusionlab.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.safetensors.SafetensorsFile;
import java.nio.file.Path;

/**
 * A root module that owns its weights: one NDManager on the chosen device, one dtype, both fixed at
 * load. Close it to free the weights.
 */
public abstract class Model extends Module implements AutoCloseable {
    private NDManager weights;
    private DataType dtype;

    /** Call at the end of the subclass constructor: names every module after its diffusers path. */
    protected void finishBuild() {
        assignPaths("");
    }

    /** Allocates the weights on {@code device} as {@code dtype} from a safetensors file (strict). */
    protected void loadWeights(Path file, Device device, DataType dtype) {
        checkDtype(dtype);
        open(device, dtype);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            loadStateDict(f, weights, dtype);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Allocates seeded random weights (see {@link Module#initialize}). */
    protected void randomWeights(Device device, DataType dtype, int seed) {
        checkDtype(dtype);
        open(device, dtype);
        initialize(weights, dtype, seed);
    }

    private void open(Device device, DataType dtype) {
        Engines.start();
        this.weights = NDManager.newBaseManager(device == null ? Engines.start().device() : device);
        this.dtype = dtype;
    }

    private static void checkDtype(DataType t) {
        if (t == DataType.BFLOAT16) {
            // creating any bf16 array aborts the JVM ("terminate called") in DJL 0.36's PyTorch engine
            throw new IllegalArgumentException("unsupported model dtype bfloat16: DJL 0.36's PyTorch engine cannot create"
                    + " bf16 arrays (the process aborts); use float16 (bf16 checkpoints load fine into float16/float32)");
        }
        if (t != DataType.FLOAT32 && t != DataType.FLOAT16) {
            throw new IllegalArgumentException("unsupported model dtype " + t + " (supported: float32, float16)");
        }
    }

    /** The manager that owns the weights (never use it for activations). */
    public NDManager weightsManager() {
        return weights;
    }

    /** The weights' dtype. */
    public DataType dtype() {
        return dtype;
    }

    /** The weights' device. */
    public Device device() {
        return weights.getDevice();
    }

    @Override
    public void close() {
        if (weights != null) {
            weights.close();
        }
    }
}
