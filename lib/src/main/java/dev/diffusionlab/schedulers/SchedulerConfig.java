package dev.diffusionlab.schedulers;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Map;

/**
 * A scheduler's effective config, built like diffusers' {@code from_config}: the class's own defaults,
 * overwritten by the keys the config file sets, overwritten by explicit overrides. Keys the class does not
 * know are kept (diffusers keeps them too), so the effective config can be compared with
 * {@code params.effective_config} of the reference cases.
 */
public final class SchedulerConfig {
    private final String className;
    private final JsonObject values;

    SchedulerConfig(String className, JsonObject defaults, JsonObject file, Map<String, ?> overrides) {
        this.className = className;
        JsonObject v = defaults.deepCopy();
        if (file != null) {
            for (Map.Entry<String, JsonElement> e : file.entrySet()) {
                if (!e.getKey().startsWith("_")) {
                    v.add(e.getKey(), e.getValue().deepCopy());
                }
            }
        }
        if (overrides != null) {
            for (Map.Entry<String, ?> e : overrides.entrySet()) {
                v.add(e.getKey(), toJson(e.getValue()));
            }
        }
        this.values = v;
    }

    static JsonElement toJson(Object o) {
        if (o == null) {
            return JsonNull.INSTANCE;
        }
        if (o instanceof JsonElement j) {
            return j.deepCopy();
        }
        if (o instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (o instanceof Number n) {
            return new JsonPrimitive(n);
        }
        if (o instanceof String s) {
            return new JsonPrimitive(s);
        }
        if (o instanceof double[] d) {
            JsonArray a = new JsonArray();
            for (double x : d) {
                a.add(x);
            }
            return a;
        }
        if (o instanceof Map<?, ?> map) {
            JsonObject j = new JsonObject();
            map.forEach((k, v) -> j.add(String.valueOf(k), toJson(v)));
            return j;
        }
        if (o instanceof Iterable<?> it) {
            JsonArray a = new JsonArray();
            for (Object x : it) {
                a.add(toJson(x));
            }
            return a;
        }
        throw new IllegalArgumentException("scheduler config override of type " + o.getClass().getName()
                + " is not supported (use boolean, number, string, list, map or JsonElement)");
    }

    /** The diffusers class name, e.g. "DDIMScheduler". */
    public String className() {
        return className;
    }

    /** A copy of every key and value (defaults included). */
    public JsonObject toJson() {
        return values.deepCopy();
    }

    public boolean isNull(String key) {
        JsonElement e = values.get(key);
        return e == null || e.isJsonNull();
    }

    public int getInt(String key) {
        double d = getDouble(key);
        if (d != Math.rint(d)) {
            throw new IllegalArgumentException(className + " config '" + key + "' must be an integer, got " + d);
        }
        return (int) d;
    }

    public double getDouble(String key) {
        JsonElement e = require(key);
        try {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                String s = e.getAsString();
                if (s.equalsIgnoreCase("-Infinity") || s.equalsIgnoreCase("-inf")) {
                    return Double.NEGATIVE_INFINITY;
                }
                if (s.equalsIgnoreCase("Infinity") || s.equalsIgnoreCase("inf")) {
                    return Double.POSITIVE_INFINITY;
                }
            }
            return e.getAsDouble();
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException(className + " config '" + key + "' must be a number, got " + e);
        }
    }

    public boolean getBool(String key) {
        JsonElement e = require(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException(className + " config '" + key + "' must be true/false, got " + e);
        }
        return e.getAsBoolean();
    }

    public String getString(String key) {
        JsonElement e = require(key);
        if (!e.isJsonPrimitive()) {
            throw new IllegalArgumentException(className + " config '" + key + "' must be a string, got " + e);
        }
        return e.getAsString();
    }

    /** One of {@code allowed}, else an exception naming the key and the allowed values. */
    public String getChoice(String key, String... allowed) {
        String v = getString(key);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new IllegalArgumentException(className + " config '" + key + "' = '" + v + "' is not supported (one of "
                + String.join(", ", allowed) + ")");
    }

    /** The JSON value ({@code null} when absent). */
    public JsonElement get(String key) {
        return values.get(key);
    }

    private JsonElement require(String key) {
        JsonElement e = values.get(key);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException(className + " config has no value for '" + key + "'");
        }
        return e;
    }

    @Override
    public String toString() {
        return className + " " + values;
    }
}
