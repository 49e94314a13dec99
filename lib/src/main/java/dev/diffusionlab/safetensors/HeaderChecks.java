package dev.diffusionlab.safetensors;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * The safetensors spec's strict typing of header fields: shape and data_offsets are arrays of JSON
 * integers (no strings, no fractions), dtype is a string, tensor names are unique, and weights of a
 * float model are stored as a float dtype.
 */
public final class HeaderChecks {
    private HeaderChecks() {}

    /** A non-negative JSON integer; {@code what} names the field for the error. */
    static long integer(JsonElement e, String where, String what) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new SafetensorsException(where + ": " + what + " = " + e + ": expected a JSON integer");
        }
        BigDecimal d;
        try {
            d = e.getAsBigDecimal();
        } catch (NumberFormatException ex) {
            throw new SafetensorsException(where + ": " + what + " = " + e + ": expected a JSON integer");
        }
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
            throw new SafetensorsException(where + ": " + what + " = " + e + ": expected an integer, not a fraction");
        }
        if (d.signum() < 0) {
            throw new SafetensorsException(where + ": " + what + " = " + e + ": expected a non-negative integer");
        }
        if (d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new SafetensorsException(where + ": " + what + " = " + e + ": too large");
        }
        return d.longValueExact();
    }

    /** An array field (shape, data_offsets). */
    static JsonArray array(JsonElement e, String where, String what) {
        if (e == null || !e.isJsonArray()) {
            throw new SafetensorsException(where + ": " + what + " = " + e + ": expected an array of integers");
        }
        return e.getAsJsonArray();
    }

    /** The dtype field: a string. */
    static String dtype(JsonElement e, String where) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new SafetensorsException(where + ": dtype = " + e + ": expected a string such as \"F32\"");
        }
        return e.getAsString();
    }

    /** Refuses a header whose top-level object names a tensor twice (Gson would keep the last silently). */
    static void uniqueNames(Path path, String json) {
        Set<String> seen = new HashSet<>();
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                return; // reported by the parser
            }
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!seen.add(name)) {
                    throw new SafetensorsException(path + ": tensor name '" + name + "' appears twice in the header: names must be unique");
                }
                r.skipValue();
            }
        } catch (IOException | IllegalStateException e) {
            // malformed JSON: the parser reports it with its own message
        }
    }

    /** Every one of {@code keys} (a float model's parameters) must be stored as F32, F16, BF16 or F64. */
    public static void requireFloat(SafetensorsFile f, Collection<String> keys) {
        for (String k : keys) {
            Dtype d = f.info(k).dtype();
            if (d != Dtype.F32 && d != Dtype.F16 && d != Dtype.BF16 && d != Dtype.F64) {
                throw new SafetensorsException(f.path() + ": tensor '" + k + "' has dtype " + d
                        + ": expected a float dtype (F32, F16, BF16 or F64) for a model weight");
            }
        }
    }
}
