package dev.diffusionlab.verify;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.core.UserInputException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Structure checks of a reference {@code cases.json}; each error names the case and the field. */
final class CaseFileChecks {
    private CaseFileChecks() {}

    static void check(Path json, JsonObject root) {
        JsonElement cases = root.get("cases");
        if (cases == null || !cases.isJsonArray()) {
            throw UserInputException.of(json.toString(), "field 'cases'", cases == null ? "(missing)" : kind(cases), "an array of case objects");
        }
        if (root.has("tensor_file") && !(root.get("tensor_file").isJsonPrimitive() && root.get("tensor_file").getAsJsonPrimitive().isString())) {
            throw UserInputException.of(json.toString(), "field 'tensor_file'", root.get("tensor_file"), "a file name (string)");
        }
        Set<String> ids = new HashSet<>();
        int i = 0;
        for (JsonElement e : cases.getAsJsonArray()) {
            String where = json + ": cases[" + i + "]";
            if (!e.isJsonObject()) {
                throw UserInputException.of(where, "case", kind(e), "an object with id and kind");
            }
            JsonObject c = e.getAsJsonObject();
            String id = string(c, "id", where);
            where = json + ": case '" + id + "'";
            if (!ids.add(id)) {
                throw new UserInputException(where + ": id appears twice: case ids must be unique");
            }
            string(c, "kind", where);
            for (String f : new String[] {"inputs", "outputs"}) {
                if (c.has(f)) {
                    if (!c.get(f).isJsonObject()) {
                        throw UserInputException.of(where, "field '" + f + "'", kind(c.get(f)), "an object of field -> tensor name");
                    }
                    for (Map.Entry<String, JsonElement> m : c.getAsJsonObject(f).entrySet()) {
                        JsonElement v = m.getValue();
                        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                            throw UserInputException.of(where, f + "." + m.getKey(), v, "a tensor name (string)");
                        }
                    }
                }
            }
            if (c.has("tolerance")) {
                if (!c.get("tolerance").isJsonObject()) {
                    throw UserInputException.of(where, "field 'tolerance'", kind(c.get("tolerance")), "an object of field -> {atol, rtol}");
                }
                for (Map.Entry<String, JsonElement> t : c.getAsJsonObject("tolerance").entrySet()) {
                    if (!t.getValue().isJsonObject()) {
                        continue; // descriptive entries such as "exact (float compare of values)"
                    }
                    JsonObject o = t.getValue().getAsJsonObject();
                    for (String k : new String[] {"atol", "rtol"}) {
                        if (o.has(k)) {
                            bound(o.get(k), where, "tolerance." + t.getKey() + "." + k);
                        }
                    }
                }
            }
            i++;
        }
    }

    /** Resolves a file named in cases.json next to it, refusing absolute paths and paths that leave the folder. */
    static Path inside(Path json, String name) {
        Path dir = json.toAbsolutePath().normalize().getParent();
        Path p = Path.of(name);
        Path r = dir.resolve(p).normalize();
        if (p.isAbsolute() || !r.startsWith(dir) || name.isBlank()) {
            throw UserInputException.of(json.toString(), "field 'tensor_file'", "\"" + name + "\"",
                    "a file name inside " + dir + " (no absolute or ../ paths)");
        }
        return r;
    }

    private static void bound(JsonElement v, String where, String field) {
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            throw UserInputException.of(where, field, v, "a number >= 0");
        }
        double d = v.getAsDouble();
        if (!Double.isFinite(d) || d < 0) {
            throw UserInputException.of(where, field, v, "a finite number >= 0 (a NaN or infinite bound is a check that cannot fail)");
        }
    }

    private static String string(JsonObject c, String field, String where) {
        JsonElement v = c.get(field);
        if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString() || v.getAsString().isBlank()) {
            throw UserInputException.of(where, "field '" + field + "'", v == null ? "(missing)" : v, "a non-empty string");
        }
        return v.getAsString();
    }

    private static String kind(JsonElement e) {
        return e.isJsonObject() ? "an object" : e.isJsonArray() ? "an array" : e.isJsonNull() ? "null" : e.toString();
    }
}
