package dev.diffusionlab.noise;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test-only reader of F32 tensors from a reference cases.safetensors (8-byte little-endian header length,
 * JSON header, raw little-endian data). The project's real reader lives in dev.diffusionlab.safetensors.
 */
final class FixtureTensors {
    private FixtureTensors() {}

    static float[] readF32(Path file, String name) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = bb.getLong(0);
        String json = new String(all, 8, (int) headerLen, StandardCharsets.UTF_8);
        JsonObject header = JsonParser.parseString(json).getAsJsonObject();
        if (!header.has(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' not in " + file);
        }
        JsonObject t = header.getAsJsonObject(name);
        if (!t.get("dtype").getAsString().equals("F32")) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + t.get("dtype") + ", not F32");
        }
        long begin = t.getAsJsonArray("data_offsets").get(0).getAsLong();
        long end = t.getAsJsonArray("data_offsets").get(1).getAsLong();
        int base = (int) (8 + headerLen + begin);
        float[] out = new float[(int) ((end - begin) / 4)];
        for (int i = 0; i < out.length; i++) {
            out[i] = bb.getFloat(base + 4 * i);
        }
        return out;
    }
}
