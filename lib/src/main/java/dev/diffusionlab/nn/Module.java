package dev.diffusionlab.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.safetensors.SafetensorsException;
import dev.diffusionlab.safetensors.SafetensorsFile;
import dev.diffusionlab.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A PyTorch-style module: named child modules and named parameters whose dotted paths are exactly
 * the diffusers/transformers {@code state_dict()} names. Parameters are declared with a shape at
 * construction and filled later, either from a safetensors file ({@link #loadStateDict}) or with a
 * seeded random init ({@link #initialize}), so a 3.4 GB checkpoint is never held twice.
 *
 * <p>Memory rule: every forward op takes the activation as its first operand, so results live in
 * the caller's (scoped) manager and the weights' manager never grows.
 *
 * <pre>{@code
 * try (UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(dir, Device.cpu(), DataType.FLOAT32)) {
 *     Map<String, NDArray> sd = unet.stateDict(); // "conv_in.weight" -> (320, 4, 3, 3), ...
 * }
 * }</pre>
 */
public abstract class Module {
    /** Parameter initialisation rule for random-weight models. */
    public enum Init { ONES, ZEROS, UNIFORM_FAN_IN, NORMAL_002 }

    /** One declared parameter slot. */
    public static final class Param {
        final Shape shape;
        final Init init;
        final long fanIn;
        NDArray value;

        Param(Shape shape, Init init, long fanIn) {
            this.shape = shape;
            this.init = init;
            this.fanIn = fanIn;
        }

        /** The array; fails when the model has neither been loaded nor initialised. */
        public NDArray get() {
            if (value == null) {
                throw new IllegalStateException("parameter of shape " + shape + " is not loaded: call loadStateDict or initialize first");
            }
            return value;
        }

        public Shape shape() {
            return shape;
        }
    }

    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private final LinkedHashMap<String, Param> params = new LinkedHashMap<>();
    private String path = "";

    /** Registers a child module under {@code name} (its diffusers attribute name) and returns it. */
    protected <M extends Module> M child(String name, M m) {
        if (m != null) {
            children.put(name, m);
        }
        return m;
    }

    /** Declares a parameter. */
    protected Param param(String name, Shape shape, Init init, long fanIn) {
        Param p = new Param(shape, init, fanIn);
        params.put(name, p);
        return p;
    }

    /** The module's dotted path from the model root ("" for the root), e.g. "mid_block.attentions.0". */
    public String path() {
        return path;
    }

    /** Sets the paths of this module and all descendants; the model root calls it once after building. */
    protected void assignPaths(String prefix) {
        this.path = prefix;
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().assignPaths(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey());
        }
    }

    /** Direct children in registration order. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** All modules of the subtree (this first), depth-first. */
    public List<Module> modules() {
        List<Module> out = new ArrayList<>();
        collect(out);
        return out;
    }

    private void collect(List<Module> out) {
        out.add(this);
        for (Module c : children.values()) {
            c.collect(out);
        }
    }

    /** Parameter slots by full dotted name (relative to this module). */
    public LinkedHashMap<String, Param> namedParameterSlots() {
        LinkedHashMap<String, Param> out = new LinkedHashMap<>();
        collectParams("", out);
        return out;
    }

    private void collectParams(String prefix, Map<String, Param> out) {
        for (Map.Entry<String, Param> e : params.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectParams(prefix + e.getKey() + ".", out);
        }
    }

    /** Parameters by full dotted name, e.g. {@code down_blocks.0.resnets.0.conv1.weight}. */
    public LinkedHashMap<String, NDArray> namedParameters() {
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        namedParameterSlots().forEach((k, p) -> out.put(k, p.get()));
        return out;
    }

    /** The state dict: same as {@link #namedParameters()} (these models have no buffers). */
    public LinkedHashMap<String, NDArray> stateDict() {
        return namedParameters();
    }

    /** Number of scalar parameters. */
    public long numParameters() {
        long n = 0;
        for (Param p : namedParameterSlots().values()) {
            n += p.shape.size();
        }
        return n;
    }

    /** Turns autograd tracking on or off for every parameter. */
    public void setRequiresGradient(boolean requires) {
        for (Param p : namedParameterSlots().values()) {
            p.get().setRequiresGradient(requires);
        }
    }

    /**
     * Packs every parameter into one contiguous 1-D buffer and makes each parameter a view of its slice
     * (the "flat parameter" of PyTorch's FSDP), so an optimiser or a weight average updates all of them
     * with a handful of native calls instead of several per parameter: a small model's training step is
     * mostly the fixed cost of its calls. Names, shapes, values and requires-gradient flags are unchanged;
     * the buffer lives in the manager of the first parameter and the old arrays are closed. A later load or
     * initialise replaces the views, after which the buffer no longer backs the module.
     *
     * <pre>{@code
     * NDArray flat = unet.packParameters();   // (P), in namedParameterSlots() order
     * flat.subi(update);                      // moves every parameter at once
     * }</pre>
     *
     * @throws IllegalStateException when the module has no parameters or they differ in data type
     */
    public NDArray packParameters() {
        List<Param> slots = new ArrayList<>(namedParameterSlots().values());
        if (slots.isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + " has no parameters to pack");
        }
        DataType dtype = slots.get(0).get().getDataType();
        NDManager manager = slots.get(0).get().getManager();
        ai.djl.ndarray.NDList pieces = new ai.djl.ndarray.NDList(slots.size());
        for (Param p : slots) {
            if (p.get().getDataType() != dtype) {
                throw new IllegalStateException(getClass().getSimpleName() + ": cannot pack parameters of types " + dtype
                        + " and " + p.get().getDataType() + " into one buffer");
            }
            pieces.add(p.get().reshape(-1)); // (shape) -> (n), a view
        }
        NDArray flat = ai.djl.ndarray.NDArrays.concat(pieces); // (P), a copy
        flat.attach(manager);
        pieces.close();
        long offset = 0;
        for (Param p : slots) {
            NDArray old = p.get();
            long n = old.size();
            boolean grad = old instanceof ai.djl.pytorch.engine.PtNDArray pt ? ai.djl.pytorch.jni.JniUtils.requiresGrad(pt) : old.hasGradient();
            NDArray view;
            try (NDArray slice = flat.get(new ai.djl.ndarray.index.NDIndex().addSliceDim(offset, offset + n))) { // (P) -> (n), a view
                view = slice.reshape(p.shape); // (n) -> shape, a view
            }
            view.attach(manager);
            if (grad) {
                view.setRequiresGradient(true);
            }
            old.close();
            p.value = view;
            offset += n;
        }
        return flat;
    }

    /**
     * Seeded random init like PyTorch's defaults: weights and biases U(±1/√fan_in), norms 1/0,
     * embeddings N(0, 0.02²).
     */
    public void initialize(NDManager weights, DataType dtype, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        for (Param p : namedParameterSlots().values()) {
            NDArray v = switch (p.init) {
                case ONES -> weights.ones(p.shape, DataType.FLOAT32);
                case ZEROS -> weights.zeros(p.shape, DataType.FLOAT32);
                case NORMAL_002 -> weights.randomNormal(0f, 0.02f, p.shape, DataType.FLOAT32);
                case UNIFORM_FAN_IN -> {
                    float b = (float) (1.0 / Math.sqrt(Math.max(1, p.fanIn)));
                    yield weights.randomUniform(-b, b, p.shape, DataType.FLOAT32);
                }
            };
            set(p, v, dtype);
        }
    }

    private static void set(Param p, NDArray v, DataType dtype) {
        if (v.getDataType() != dtype) {
            NDArray c = v.toType(dtype, false);
            v.close();
            v = c;
        }
        if (p.value != null) {
            p.value.close();
        }
        p.value = v;
    }

    /**
     * Strict load from a safetensors file: every declared parameter must be present with its shape
     * and nothing else may be there; otherwise ONE exception lists missing keys, unexpected keys and
     * shape mismatches (with the file name). Tensors are converted to {@code dtype}.
     */
    public void loadStateDict(SafetensorsFile file, NDManager weights, DataType dtype) {
        Map<String, Param> slots = namedParameterSlots();
        List<String> problems = checkKeys(slots, file.tensors().keySet(), k -> file.info(k).shape());
        if (!problems.isEmpty()) {
            throw new SafetensorsException(file.path() + ": state dict does not match " + getClass().getSimpleName()
                    + ": " + String.join("; ", problems));
        }
        if (dtype.isFloating()) {
            dev.diffusionlab.safetensors.HeaderChecks.requireFloat(file, slots.keySet());
        }
        for (Map.Entry<String, Param> e : slots.entrySet()) {
            set(e.getValue(), file.load(e.getKey(), weights, dtype), dtype);
        }
    }

    /** Strict load from arrays (copied into {@code weights} as {@code dtype}); same error rules. */
    public void loadStateDict(Map<String, NDArray> state, NDManager weights, DataType dtype) {
        Map<String, Param> slots = namedParameterSlots();
        List<String> problems = checkKeys(slots, state.keySet(), k -> state.get(k).getShape().getShape());
        if (!problems.isEmpty()) {
            throw new SafetensorsException("state dict does not match " + getClass().getSimpleName() + ": " + String.join("; ", problems));
        }
        for (Map.Entry<String, Param> e : slots.entrySet()) {
            NDArray src = state.get(e.getKey());
            NDArray v = Ops.copy(src, dtype);
            v.attach(weights);
            set(e.getValue(), v, dtype);
        }
    }

    private static List<String> checkKeys(Map<String, Param> slots, java.util.Set<String> keys,
                                          java.util.function.Function<String, long[]> shapeOf) {
        TreeSet<String> missing = new TreeSet<>();
        TreeSet<String> unexpected = new TreeSet<>(keys);
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, Param> e : slots.entrySet()) {
            String k = e.getKey();
            if (!keys.contains(k)) {
                missing.add(k);
                continue;
            }
            unexpected.remove(k);
            long[] have = shapeOf.apply(k);
            if (!Arrays.equals(have, e.getValue().shape.getShape())) {
                mismatched.add(k + " has shape " + Arrays.toString(have) + ", model expects " + e.getValue().shape);
            }
        }
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) {
            problems.add(missing.size() + " missing keys " + missing);
        }
        if (!unexpected.isEmpty()) {
            problems.add(unexpected.size() + " unexpected keys " + unexpected);
        }
        if (!mismatched.isEmpty()) {
            problems.add(mismatched.size() + " shape mismatches " + mismatched);
        }
        return problems;
    }

    /** Writes the state dict as a safetensors file with {@code {"format": "pt"}} metadata. */
    public void saveSafetensors(Path file) {
        try {
            SafetensorsWriter.write(file, stateDict(), Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
    }
}
