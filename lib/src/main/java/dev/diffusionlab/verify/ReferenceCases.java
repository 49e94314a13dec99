package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusionlab.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reference cases of a model folder: {@code reference/cases.json} plus the tensors of
 * {@code reference/cases.safetensors} (format: the fixtures' README). Always resolve tensor names
 * through the case, never guess them.
 *
 * <pre>{@code
 * try (ReferenceCases rc = ReferenceCases.open(modelDir); NDManager m = Engines.newManager()) {
 *     Case c = rc.get("unet.c0");
 *     NDArray sample = rc.tensor(c.input("sample"), m);
 *     Comparison cmp = c.compare("sample", actual, rc.tensor(c.output("sample"), m));
 * }
 * }</pre>
 */
public final class ReferenceCases implements AutoCloseable {
    private final Path folder;
    private final JsonObject root;
    private final List<Case> cases;
    private final SafetensorsFile tensors;

    private ReferenceCases(Path folder, JsonObject root, List<Case> cases, SafetensorsFile tensors) {
        this.folder = folder;
        this.root = root;
        this.cases = cases;
        this.tensors = tensors;
    }

    /** Opens {@code <modelFolder>/reference/cases.json} and its tensor file. */
    public static ReferenceCases open(Path modelFolder) {
        Path json = modelFolder.resolve("reference/cases.json");
        if (!Files.isRegularFile(json)) {
            throw new IllegalArgumentException(modelFolder + ": no reference/cases.json (not a folder with reference cases)");
        }
        JsonObject root;
        try {
            root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(json + ": cannot parse: " + e.getMessage());
        }
        CaseFileChecks.check(json, root);
        String tensorFile = root.has("tensor_file") ? root.get("tensor_file").getAsString() : "cases.safetensors";
        SafetensorsFile st = SafetensorsFile.open(CaseFileChecks.inside(json, tensorFile));
        List<Case> cases = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray("cases")) {
            cases.add(new Case(e.getAsJsonObject()));
        }
        return new ReferenceCases(modelFolder, root, Collections.unmodifiableList(cases), st);
    }

    /** The model folder. */
    public Path folder() {
        return folder;
    }

    /** The whole cases.json object (versions, seeds, ...). */
    public JsonObject json() {
        return root;
    }

    /** All cases in file order. */
    public List<Case> cases() {
        return cases;
    }

    /** Cases of one kind ("tokenizer", "unet", "scheduler", ...). */
    public List<Case> ofKind(String kind) {
        return cases.stream().filter(c -> c.kind().equals(kind)).toList();
    }

    /** One case by id; the error lists what exists. */
    public Case get(String id) {
        return cases.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow(() ->
                new IllegalArgumentException(folder + ": no case '" + id + "'"));
    }

    /** A reference tensor (F32) by its name in cases.safetensors. */
    public NDArray tensor(String name, NDManager manager) {
        return tensors.load(name, manager);
    }

    /** A reference tensor as doubles. */
    public double[] doubles(String name) {
        return tensors.loadDoubles(name);
    }

    /** Compares {@code actual} with the case's output {@code field} at the case's tolerance for it. */
    public Comparison compareOutput(Case c, String field, NDArray actual) {
        return c.compare(field, toDoubles(actual), doubles(c.output(field)));
    }

    /** Any float array as doubles (via float32). */
    public static double[] toDoubles(NDArray x) {
        return toDoubles(x.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray());
    }

    /** Floats as doubles. */
    public static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** The tensor names a case refers to (inputs and outputs) that the tensor file lacks. */
    public List<String> missingTensors(Case c) {
        List<String> out = new ArrayList<>();
        for (Map<String, String> m : List.of(c.inputs(), c.outputs())) {
            for (Map.Entry<String, String> e : m.entrySet()) {
                if (!has(e.getValue())) {
                    out.add(e.getKey() + " -> '" + e.getValue() + "'");
                }
            }
        }
        return out;
    }

    /** True when the tensor file holds {@code name}. */
    public boolean has(String name) {
        return tensors.tensors().containsKey(name);
    }

    @Override
    public void close() {
        tensors.close();
    }

    /** One reference case. */
    public static final class Case {
        private final JsonObject json;

        Case(JsonObject json) {
            this.json = json;
        }

        public String id() {
            return json.get("id").getAsString();
        }

        public String kind() {
            return json.get("kind").getAsString();
        }

        /** The whole JSON object of the case. */
        public JsonObject json() {
            return json;
        }

        /** {@code params} (empty object when absent). */
        public JsonObject params() {
            return json.has("params") ? json.getAsJsonObject("params") : new JsonObject();
        }

        /** Input field names to tensor names. */
        public Map<String, String> inputs() {
            return stringMap("inputs");
        }

        /** Output field names to tensor names. */
        public Map<String, String> outputs() {
            return stringMap("outputs");
        }

        /** The tensor name of an input field. */
        public String input(String field) {
            return required(inputs(), field, "inputs");
        }

        /** The tensor name of an output field. */
        public String output(String field) {
            return required(outputs(), field, "outputs");
        }

        /** The recommended tolerance of a field, or empty for exact fields. */
        public Optional<Tolerance> tolerance(String field) {
            if (!json.has("tolerance")) {
                return Optional.empty();
            }
            JsonElement t = json.getAsJsonObject("tolerance").get(field);
            if (t == null || !t.isJsonObject()) {
                return Optional.empty();
            }
            JsonObject o = t.getAsJsonObject();
            // an absent atol or rtol is 0 (e.g. sigmas: {"rtol": 1e-6}); values were checked finite and >= 0 at open
            return Optional.of(new Tolerance(o.has("atol") ? o.get("atol").getAsDouble() : 0,
                    o.has("rtol") ? o.get("rtol").getAsDouble() : 0));
        }

        /** Compares actual against expected with this case's tolerance for {@code field}. */
        public Comparison compare(String field, double[] actual, double[] expected) {
            Tolerance tol = tolerance(field).orElseThrow(() -> new IllegalArgumentException(
                    id() + ": no tolerance for field '" + field + "'"));
            return Comparison.of(id(), field, actual, expected, tol);
        }

        private Map<String, String> stringMap(String key) {
            Map<String, String> m = new LinkedHashMap<>();
            if (json.has(key) && json.get(key).isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : json.getAsJsonObject(key).entrySet()) {
                    if (e.getValue().isJsonPrimitive()) {
                        m.put(e.getKey(), e.getValue().getAsString());
                    }
                }
            }
            return m;
        }

        private String required(Map<String, String> m, String field, String what) {
            String v = m.get(field);
            if (v == null) {
                throw new IllegalArgumentException(id() + ": no " + what + " field '" + field + "' (has " + m.keySet() + ")");
            }
            return v;
        }

        @Override
        public String toString() {
            return id() + " (" + kind() + ")";
        }
    }

    /** {@code max|actual − expected| ≤ atol + rtol·max|expected|}, one number per tensor. */
    public record Tolerance(double atol, double rtol) {
        public Tolerance {
            if (!(atol >= 0 && rtol >= 0) || !Double.isFinite(atol) || !Double.isFinite(rtol)) {
                throw new dev.diffusionlab.core.UserInputException("tolerance atol = " + atol + ", rtol = " + rtol
                        + ": expected finite numbers >= 0 (a NaN bound is a check that cannot fail)");
            }
        }

        public double bound(double maxAbsExpected) {
            return atol + rtol * maxAbsExpected;
        }
    }

    /** The result of one field's comparison, a row of {@code ./dlab verify}'s table. */
    public record Comparison(String caseId, String field, double maxAbsError, double bound, boolean passed, String note) {
        /** Compares two tensors flattened to doubles; a size mismatch fails with a note. */
        public static Comparison of(String caseId, String field, double[] actual, double[] expected, Tolerance tol) {
            if (actual.length != expected.length) {
                return new Comparison(caseId, field, Double.NaN, Double.NaN, false,
                        "size " + actual.length + " != expected " + expected.length);
            }
            double maxExp = 0;
            double maxErr = 0;
            for (int i = 0; i < expected.length; i++) {
                maxExp = Math.max(maxExp, Math.abs(expected[i]));
                double d = Math.abs(actual[i] - expected[i]);
                if (!(d <= maxErr)) {
                    maxErr = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                }
            }
            double bound = tol.bound(maxExp);
            return new Comparison(caseId, field, maxErr, bound, maxErr <= bound, "");
        }

        /** An exact comparison (token ids, timesteps). */
        public static Comparison exact(String caseId, String field, double[] actual, double[] expected) {
            return of(caseId, field, actual, expected, new Tolerance(0, 0));
        }
    }
}
