package dev.diffusionlab.safetensors;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tensors as a safetensors file the way the reference Rust/Python writers do: keys sorted,
 * header padded with spaces to 8 bytes. The file is written to a temporary sibling and moved into
 * place, so a failure never leaves a half-written model behind.
 *
 * <pre>{@code SafetensorsWriter.write(dir.resolve("model.safetensors"), module.stateDict(), Map.of("format", "pt"));}</pre>
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /** Writes {@code tensors} (any supported dtype, any device) with optional string metadata. */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        Map<String, NDArray> sorted = new TreeMap<>(tensors);
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
            NDArray a = e.getValue();
            Dtype d = Dtype.of(a.getDataType());
            long n = a.size() * d.size;
            JsonObject o = new JsonObject();
            o.addProperty("dtype", d.name());
            JsonArray shape = new JsonArray();
            for (long s : a.getShape().getShape()) {
                shape.add(s);
            }
            o.add("shape", shape);
            JsonArray off = new JsonArray();
            off.add(offset);
            off.add(offset + n);
            o.add("data_offsets", off);
            header.add(e.getKey(), o);
            offset += n;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] hb = new byte[padded];
        System.arraycopy(json, 0, hb, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            hb[i] = ' ';
        }
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".part");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(hb);
                for (NDArray a : sorted.values()) {
                    ByteBuffer b = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    byte[] buf = new byte[b.remaining()];
                    b.get(buf);
                    out.write(buf);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
