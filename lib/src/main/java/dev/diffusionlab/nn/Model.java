package dev.diffusionlab.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.safetensors.SafetensorsFile;
import dev.diffusionlab.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A root module that owns its weights: one NDManager on the chosen device, one dtype, both fixed at
 * load. Close it to free the weights. Every model is one component folder of a diffusers pipeline
 * ({@code config.json} + {@code <weightsName>.safetensors}): {@link #load} and {@link #save} are the one
 * way in and out of such a folder; subclasses only say how to build themselves from a config.
 *
 * @param <C> the typed config the model is built from
 */
public abstract class Model<C> extends Module implements AutoCloseable {
    /** The architecture this model was built from (its {@code config.json}, typed). */
    protected final C config;
    private NDManager weights;
    private DataType dtype;

    /** A model of the architecture {@code config}; the subclass constructor builds the modules from it. */
    protected Model(C config) {
        this.config = config;
    }

    /** The config this model was built from. */
    public C config() {
        return config;
    }

    /** Call at the end of the subclass constructor: names every module after its diffusers path. */
    protected void finishBuild() {
        assignPaths("");
    }

    /** The weights file's stem: {@code diffusion_pytorch_model} (diffusers) or {@code model} (transformers). */
    protected String weightsName() {
        return "diffusion_pytorch_model";
    }

    /** The {@code config.json} text written next to the weights. */
    public abstract String configJson();

    /**
     * Builds a model from {@code dir/config.json} and loads {@code dir/<weightsName>.safetensors} (or the
     * {@code .fp16} variant) into it, strict: the diffusers {@code from_pretrained} of one component.
     */
    protected static <M extends Model<?>> M load(Path dir, Function<ConfigJson, M> build, Device device, DataType dtype) {
        M m = build.apply(ConfigJson.read(dir.resolve("config.json")));
        m.loadWeights(Weights.find(dir, m.weightsName()), device, dtype);
        return m;
    }

    /** {@code m} with seeded random weights (see {@link Module#initialize}). */
    protected static <M extends Model<?>> M withRandomWeights(M m, Device device, DataType dtype, int seed) {
        m.randomWeights(device, dtype, seed);
        return m;
    }

    /** Writes {@link #configJson()} and {@code <weightsName>.safetensors} (in the weights' dtype) into {@code dir}. */
    public void save(Path dir) {
        save(dir, configJson(), false);
    }

    /**
     * Writes {@code configJson} as {@code config.json} and the weights as {@code <weightsName>.safetensors}
     * into {@code dir}, converted to float16 when {@code fp16} is set.
     */
    public void save(Path dir, String configJson, boolean fp16) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), configJson);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write config: " + e.getMessage(), e);
        }
        Path file = dir.resolve(weightsName() + ".safetensors");
        if (!fp16) {
            saveSafetensors(file);
            return;
        }
        try (NDManager tmp = Engines.newCpuManager()) {
            Map<String, NDArray> half = new LinkedHashMap<>();
            stateDict().forEach((k, v) -> {
                NDArray h = v.toType(DataType.FLOAT16, true);
                h.attach(tmp);
                half.put(k, h);
            });
            SafetensorsWriter.write(file, half, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
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
