package dev.diffusionlab.toy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.safetensors.SafetensorsFile;
import dev.diffusionlab.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * A toy 2D diffusion model: the {@link ToyDenoiser} block (DJL, CPU, float32), its schedule, the
 * labels it was trained on, and the standardisation of its data. Works in standardised
 * coordinates; {@link #standardizer()} maps back to the data's own.
 *
 * <pre>{@code
 * ToyModel m = ToyTrainer.train(Datasets2D.moons(2000, 0), ToyTrainer.Config.quick()).model();
 * float[][] eps = m.predictEpsilon(x, 50, m.labelIndices(null, x.length));
 * m.save(Path.of("out/moons-model"));
 * }</pre>
 */
public final class ToyModel implements AutoCloseable {
    /** What the network predicts (diffusers' prediction_type). */
    public enum Prediction {
        EPSILON, SAMPLE, V_PREDICTION;

        static Prediction parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT).replace("X0", "SAMPLE").replace('-', '_'));
            } catch (IllegalArgumentException e) {
                if (s.equalsIgnoreCase("v")) {
                    return V_PREDICTION;
                }
                throw new IllegalArgumentException("unknown prediction type '" + s + "' (epsilon, sample, v_prediction)");
            }
        }
    }

    /**
     * Architecture and schedule of a toy model. {@code coordFreqs} sinusoidal frequencies per coordinate
     * (0: raw coordinates) and {@code residual} blocks make the sharp variant (see {@link ToyDenoiser}).
     */
    public record Spec(int hidden, int layers, int timeDim, int numTrainTimesteps, String schedule, Prediction prediction,
            int coordFreqs, boolean residual) {
        /** A plain MLP on raw coordinates. */
        public Spec(int hidden, int layers, int timeDim, int numTrainTimesteps, String schedule, Prediction prediction) {
            this(hidden, layers, timeDim, numTrainTimesteps, schedule, prediction, 0, false);
        }

        /** 3 hidden layers of 128, 100 linear-schedule timesteps, epsilon prediction. */
        public static Spec defaults() {
            return new Spec(128, 3, 16, 100, "linear", Prediction.EPSILON);
        }

        /**
         * The sharp variant for thin shapes (the dino's outline): 3 residual blocks of 128, a 32-wide
         * sinusoidal time embedding and 32 sinusoidal frequencies per coordinate.
         */
        public static Spec sharp() {
            return new Spec(128, 3, 32, 100, "linear", Prediction.EPSILON, 32, true);
        }

        public Spec withPrediction(Prediction p) {
            return new Spec(hidden, layers, timeDim, numTrainTimesteps, schedule, p, coordFreqs, residual);
        }

        public Spec withSchedule(String name, int steps) {
            return new Spec(hidden, layers, timeDim, steps, name, prediction, coordFreqs, residual);
        }
    }

    private static final String NAME = "toy2d";

    private final Model model;
    private final ToyDenoiser block;
    private final Spec spec;
    private final List<String> labels;
    private final Standardizer standardizer;
    private final ToySchedule schedule;
    private final double[] alphasCumprod;

    private ToyModel(Spec spec, List<String> labels, Standardizer standardizer) {
        Engines.start();
        this.spec = spec;
        this.labels = List.copyOf(labels);
        this.standardizer = standardizer;
        this.schedule = ToySchedule.of(spec.schedule(), spec.numTrainTimesteps());
        this.alphasCumprod = schedule.alphasCumprod();
        this.block = new ToyDenoiser(labels.size(), spec.hidden(), spec.layers(), spec.timeDim(), spec.numTrainTimesteps(),
                spec.coordFreqs(), spec.residual());
        this.model = Model.newInstance(NAME, Device.cpu(), "PyTorch");
        model.setBlock(block);
    }

    /** A freshly initialised (untrained) model; the same seed gives the same weights. */
    public static ToyModel create(Spec spec, List<String> labels, Standardizer standardizer, long seed) {
        ToyModel m = new ToyModel(spec, labels, standardizer);
        Engine.getInstance().setRandomSeed((int) seed);
        m.block.initialize(m.model.getNDManager(), DataType.FLOAT32, new Shape(1, 2), new Shape(1), new Shape(1));
        return m;
    }

    /** The DJL model (for the Trainer). */
    public Model djlModel() {
        return model;
    }

    public ToyDenoiser block() {
        return block;
    }

    public Spec spec() {
        return spec;
    }

    /** The labels the model was trained on (empty for an unconditional model). */
    public List<String> labels() {
        return labels;
    }

    public Standardizer standardizer() {
        return standardizer;
    }

    public ToySchedule schedule() {
        return schedule;
    }

    /** alphasCumprod[t] of the model's schedule. */
    public double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    /** The index of a label the model was trained on; null means the null (unconditional) label. */
    public int labelIndex(String label) {
        if (label == null) {
            return block.nullLabel();
        }
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("guidance label '" + label + "' was not in the training data (labels: "
                    + (labels.isEmpty() ? "none, the model is unconditional" : String.join(", ", labels)) + ")");
        }
        return i;
    }

    /** The same label index n times. */
    public int[] labelIndices(String label, int n) {
        int[] idx = new int[n];
        java.util.Arrays.fill(idx, labelIndex(label));
        return idx;
    }

    /**
     * The predicted noise epsilon for standardised points x (N, 2) at timestep t, label indices
     * per point (use {@link #labelIndex(String)}), converted from the model's prediction type.
     */
    public float[][] predictEpsilon(float[][] x, int t, int[] labelIdx) {
        checkT(t);
        float[][] out = raw(x, t, labelIdx);
        double a = alphasCumprod[t];
        double sa = Math.sqrt(a);
        double s1 = Math.sqrt(1 - a);
        for (int i = 0; i < x.length; i++) {
            for (int d = 0; d < 2; d++) {
                double o = out[i][d];
                switch (spec.prediction()) {
                    case SAMPLE: // eps = (x_t - sqrt(abar) x0) / sqrt(1 - abar)
                        out[i][d] = (float) ((x[i][d] - sa * o) / s1);
                        break;
                    case V_PREDICTION: // eps = sqrt(abar) v + sqrt(1 - abar) x_t
                        out[i][d] = (float) (sa * o + s1 * x[i][d]);
                        break;
                    default:
                        break;
                }
            }
        }
        return out;
    }

    /**
     * Classifier-free guided epsilon: {@code eps_u + scale (eps_c - eps_u)}. A null label or scale 0
     * is unconditional, scale 1 is purely conditional.
     */
    public float[][] guidedEpsilon(float[][] x, int t, String label, double scale) {
        int n = x.length;
        if (label == null || scale == 0) {
            return predictEpsilon(x, t, labelIndices(null, n));
        }
        int[] cond = labelIndices(label, n);
        if (scale == 1) {
            return predictEpsilon(x, t, cond);
        }
        // one batched forward: the first n rows conditional, the last n unconditional
        float[][] both = new float[2 * n][];
        int[] idx = new int[2 * n];
        for (int i = 0; i < n; i++) {
            both[i] = x[i];
            both[n + i] = x[i];
            idx[i] = cond[i];
            idx[n + i] = block.nullLabel();
        }
        float[][] e = predictEpsilon(both, t, idx);
        float[][] out = new float[n][2];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < 2; d++) {
                out[i][d] = (float) (e[n + i][d] + scale * (e[i][d] - e[n + i][d]));
            }
        }
        return out;
    }

    private float[][] raw(float[][] x, int t, int[] labelIdx) {
        if (labelIdx.length != x.length) {
            throw new IllegalArgumentException("labels (" + labelIdx.length + ") and points (" + x.length + ") differ in count");
        }
        int n = x.length;
        float[] flat = new float[2 * n];
        float[] ts = new float[n];
        for (int i = 0; i < n; i++) {
            flat[2 * i] = x[i][0];
            flat[2 * i + 1] = x[i][1];
            ts[i] = t;
        }
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDList in = new NDList(m.create(flat, new Shape(n, 2)), m.create(ts), m.create(labelIdx));
            float[] o = block.forward(new ParameterStore(m, false), in, false).singletonOrThrow().toFloatArray();
            float[][] out = new float[n][2];
            for (int i = 0; i < n; i++) {
                out[i][0] = o[2 * i];
                out[i][1] = o[2 * i + 1];
            }
            return out;
        }
    }

    private void checkT(int t) {
        if (t < 0 || t >= alphasCumprod.length) {
            throw new IllegalArgumentException("timestep " + t + " outside 0.." + (alphasCumprod.length - 1));
        }
    }

    /** The saved form of everything but the weights. */
    private record Meta(Spec spec, List<String> labels, Standardizer standardizer) {}

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** The name of the weights file {@link #save(Path)} writes. */
    public static final String WEIGHTS = NAME + ".safetensors";

    /**
     * Saves the weights as {@code toy2d.safetensors} (float32, DJL parameter names, the spec, labels and
     * standardisation as JSON in its metadata under "toy2d") and a readable copy of that JSON as
     * {@code toy2d.json}.
     */
    public void save(Path dir) {
        String json = GSON.toJson(new Meta(spec, labels, standardizer));
        try {
            Files.createDirectories(dir);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (var p : block.getParameters()) {
                tensors.put(p.getKey(), p.getValue().getArray());
            }
            SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of(NAME, json));
            Files.writeString(dir.resolve(NAME + ".json"), json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save toy model to " + dir, e);
        }
    }

    /** Loads a model written by {@link #save(Path)}: a folder with {@code toy2d.safetensors}. */
    public static ToyModel load(Path dir) {
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException("not a toy model folder (no " + WEIGHTS + "): " + dir);
        }
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            String json = f.metadata().get(NAME);
            if (json == null) {
                throw new IllegalArgumentException(weights + " has no '" + NAME + "' metadata (spec, labels, standardizer)");
            }
            Meta m = GSON.fromJson(json, Meta.class);
            ToyModel tm = new ToyModel(m.spec(), m.labels(), m.standardizer());
            tm.block.initialize(tm.model.getNDManager(), DataType.FLOAT32, new Shape(1, 2), new Shape(1), new Shape(1));
            for (var p : tm.block.getParameters()) {
                NDArray a = p.getValue().getArray();
                if (!f.keys().contains(p.getKey())) {
                    tm.close();
                    throw new IllegalArgumentException(weights + " has no tensor '" + p.getKey() + "'");
                }
                try (NDManager tmp = tm.model.getNDManager().newSubManager()) {
                    NDArray v = f.load(p.getKey(), tmp, DataType.FLOAT32);
                    if (!v.getShape().equals(a.getShape())) {
                        tm.close();
                        throw new IllegalArgumentException(weights + ": tensor '" + p.getKey() + "' has shape " + v.getShape()
                                + ", the spec needs " + a.getShape());
                    }
                    a.set(v.toFloatArray());
                }
            }
            return tm;
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
