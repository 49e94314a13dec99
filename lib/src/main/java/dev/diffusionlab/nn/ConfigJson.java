package dev.diffusionlab.nn;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A config.json with typed getters whose errors name the file, the field and the value. */
public final class ConfigJson {
    private final JsonObject json;
    private final String source;

    public ConfigJson(JsonObject json, String source) {
        this.json = json;
        this.source = source;
    }

    /**
     * An ordered config map from key, value pairs (values may be null, lists, numbers, strings, booleans): how
     * configs are written in this project, serialised by {@code DiffusersFolder.toJson} (or turned into a
     * JsonObject), and read back through this class into the typed config records.
     */
    public static Map<String, Object> map(Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("config map needs key, value pairs; got " + keyValues.length + " items");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** Reads and parses a JSON file; the error names the file. */
    public static ConfigJson read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such config file");
        }
        try {
            return new ConfigJson(JsonParser.parseString(Files.readString(file)).getAsJsonObject(), file.toString());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": cannot parse config: " + e.getMessage());
        }
    }

    /** Parses JSON text (e.g. a bundled resource). */
    public static ConfigJson parse(String text, String source) {
        return new ConfigJson(JsonParser.parseString(text).getAsJsonObject(), source);
    }

    public JsonObject json() {
        return json;
    }

    public String source() {
        return source;
    }

    /** True when the field is present and not null. */
    public boolean has(String field) {
        return json.has(field) && !json.get(field).isJsonNull();
    }

    public int getInt(String field, int dflt) {
        return has(field) ? getInt(field) : dflt;
    }

    public int getInt(String field) {
        JsonElement e = require(field);
        try {
            double d = e.getAsDouble();
            if (d != Math.rint(d)) {
                throw bad(field, e, "an integer");
            }
            return (int) d;
        } catch (RuntimeException ex) {
            throw bad(field, e, "an integer");
        }
    }

    public double getDouble(String field, double dflt) {
        if (!has(field)) {
            return dflt;
        }
        try {
            return json.get(field).getAsDouble();
        } catch (RuntimeException ex) {
            throw bad(field, json.get(field), "a number");
        }
    }

    public boolean getBool(String field, boolean dflt) {
        if (!has(field)) {
            return dflt;
        }
        JsonElement e = json.get(field);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw bad(field, e, "true or false");
        }
        return e.getAsBoolean();
    }

    public String getString(String field, String dflt) {
        return has(field) ? json.get(field).getAsString() : dflt;
    }

    /** An int or a list of ints; an int is repeated {@code n} times; a list must have length {@code n}. */
    public int[] getIntOrList(String field, int n) {
        JsonElement e = require(field);
        int[] out = new int[n];
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            if (a.size() != n) {
                throw bad(field, e, "a list of " + n + " integers (one per block)");
            }
            for (int i = 0; i < n; i++) {
                out[i] = a.get(i).getAsInt();
            }
        } else {
            java.util.Arrays.fill(out, getInt(field));
        }
        return out;
    }

    /** Like {@link #getIntOrList(String, int)} with a default for an absent or null field. */
    public int[] getIntOrList(String field, int n, int dflt) {
        if (!has(field)) {
            int[] out = new int[n];
            java.util.Arrays.fill(out, dflt);
            return out;
        }
        return getIntOrList(field, n);
    }

    public int[] getIntList(String field) {
        JsonElement e = require(field);
        if (!e.isJsonArray()) {
            throw bad(field, e, "a list of integers");
        }
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    public List<String> getStringList(String field) {
        JsonElement e = require(field);
        if (!e.isJsonArray()) {
            throw bad(field, e, "a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            out.add(x.getAsString());
        }
        return out;
    }

    /** Fails unless the field is absent, null, or equal to one of {@code allowed} (compared as JSON text). */
    /** Checks {@code _class_name} (absent counts as {@code expected}); the error names the class found. */
    public void requireClassName(String expected) {
        String cls = getString("_class_name", expected);
        if (!cls.equals(expected)) {
            throw unsupported("_class_name", cls, expected);
        }
    }

    /** The string list {@code field}, each entry one of {@code allowed}; the error names the first other entry. */
    public List<String> requireEachOneOf(String field, String... allowed) {
        List<String> values = getStringList(field);
        for (String v : values) {
            if (!java.util.Arrays.asList(allowed).contains(v)) {
                throw unsupported(field, v, String.join(", ", allowed));
            }
        }
        return values;
    }

    public void requireOneOf(String field, String... allowed) {
        if (!has(field)) {
            return;
        }
        String v = json.get(field).isJsonPrimitive() ? json.get(field).getAsString() : json.get(field).toString();
        for (String a : allowed) {
            if (a.equals(v)) {
                return;
            }
        }
        throw unsupported(field, json.get(field), String.join(", ", allowed));
    }

    /** Fails unless the field is absent or null. */
    public void requireNull(String field) {
        if (has(field)) {
            throw unsupported(field, json.get(field), "null");
        }
    }

    /** An "unsupported config value" error naming the file, field and value. */
    public IllegalArgumentException unsupported(String field, Object value, String supported) {
        return new IllegalArgumentException(source + ": unsupported config value " + field + " = " + value
                + " (supported: " + supported + ")");
    }

    private JsonElement require(String field) {
        if (!has(field)) {
            throw new IllegalArgumentException(source + ": config field '" + field + "' is missing");
        }
        return json.get(field);
    }

    private IllegalArgumentException bad(String field, JsonElement e, String expected) {
        return new IllegalArgumentException(source + ": config field '" + field + "' = " + e + " is not " + expected);
    }
}
