package dev.diffusionlab.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped safetensors file. The header is validated completely before any tensor is read
 * (lengths, dtypes, shapes, byte ranges inside the file, no overlaps), so a corrupt or hostile file
 * fails fast with one message and nothing big is allocated. Tensors are mapped one at a time, which
 * is why files far above 2 GiB (the fp32 SD 1.5 UNet is 3.4 GB) open fine.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("unet/diffusion_pytorch_model.safetensors"));
 *      NDManager m = Engines.newManager()) {
 *     NDArray w = f.load("conv_in.weight", m);            // (320, 4, 3, 3), dtype as stored
 *     NDArray h = f.load("conv_in.weight", m, DataType.FLOAT16);
 * }
 * }</pre>
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Headers above this size are refused: real ones are a few hundred KB. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final Set<String> PICKLE_SUFFIXES = Set.of(".ckpt", ".bin", ".pt", ".pth", ".pkl", ".pickle");

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart,
                            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates a .safetensors file; pickle checkpoints are refused with an explanation. */
    public static SafetensorsFile open(Path path) {
        refusePickle(path);
        if (!Files.isRegularFile(path)) {
            throw new SafetensorsException(path + ": no such safetensors file");
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            long size = ch.size();
            if (size < 8) {
                throw new SafetensorsException(path + ": truncated file (" + size + " bytes; a safetensors file starts with an 8-byte header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES) {
                throw new SafetensorsException(path + ": header length " + headerLen
                        + " is out of range (1.." + MAX_HEADER_BYTES + "): not a safetensors file or corrupt");
            }
            if (8 + headerLen > size) {
                throw new SafetensorsException(path + ": header length " + headerLen + " exceeds the file size " + size + " (truncated file?)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            String json = new String(hb.array(), StandardCharsets.UTF_8);
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, TensorInfo> infos = parseHeader(path, json, dataSize, meta);
            SafetensorsFile f = new SafetensorsFile(path, ch, dataStart, Collections.unmodifiableMap(infos),
                    Collections.unmodifiableMap(meta));
            ch = null;
            return f;
        } catch (IOException e) {
            throw new SafetensorsException(path + ": cannot read: " + e.getMessage());
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the original error matters more
                }
            }
        }
    }

    /** Throws when {@code path} names a pickle checkpoint, saying why and what to use instead. */
    public static void refusePickle(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String s : PICKLE_SUFFIXES) {
            if (name.endsWith(s)) {
                throw new SafetensorsException(path + ": refusing to load a pickle checkpoint (" + s
                        + "): unpickling can run arbitrary code. Use the .safetensors files of the model"
                        + " (diffusers folders ship diffusion_pytorch_model.safetensors / model.safetensors),"
                        + " or convert it once in Python with diffusers' save_pretrained(safe_serialization=True).");
            }
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path path, String json, long dataSize, Map<String, String> meta) {
        JsonObject root;
        try {
            JsonElement e = JsonParser.parseString(json.trim());
            if (!e.isJsonObject()) {
                throw new SafetensorsException(path + ": header is not a JSON object");
            }
            root = e.getAsJsonObject();
        } catch (RuntimeException e) {
            if (e instanceof SafetensorsException se) {
                throw se;
            }
            throw new SafetensorsException(path + ": header is not valid JSON: " + e.getMessage());
        }
        HeaderChecks.uniqueNames(path, json.trim());
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> en : root.entrySet()) {
            String key = en.getKey();
            if (key.equals("__metadata__")) {
                if (en.getValue().isJsonObject()) {
                    for (Map.Entry<String, JsonElement> m : en.getValue().getAsJsonObject().entrySet()) {
                        meta.put(m.getKey(), m.getValue().isJsonPrimitive() ? m.getValue().getAsString() : m.getValue().toString());
                    }
                }
                continue;
            }
            out.put(key, parseEntry(path, key, en.getValue(), dataSize));
        }
        List<TensorInfo> sorted = new ArrayList<>(out.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1);
            TensorInfo b = sorted.get(i);
            if (b.begin() < a.end() && b.byteLength() > 0 && a.byteLength() > 0) {
                throw new SafetensorsException(path + ": tensors '" + a.name() + "' [" + a.begin() + ", " + a.end()
                        + ") and '" + b.name() + "' [" + b.begin() + ", " + b.end() + ") overlap");
            }
        }
        return out;
    }

    private static TensorInfo parseEntry(Path path, String key, JsonElement v, long dataSize) {
        String where = path + ": tensor '" + key + "'";
        if (!v.isJsonObject()) {
            throw new SafetensorsException(where + ": header entry is not an object");
        }
        JsonObject o = v.getAsJsonObject();
        if (!o.has("dtype") || !o.has("shape") || !o.has("data_offsets")) {
            throw new SafetensorsException(where + ": header entry needs dtype, shape and data_offsets");
        }
        Dtype dtype = Dtype.parse(HeaderChecks.dtype(o.get("dtype"), where), key, path.toString());
        JsonArray sh = HeaderChecks.array(o.get("shape"), where, "shape");
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = HeaderChecks.integer(sh.get(i), where, "shape " + sh);
            if (d < 0) {
                throw new SafetensorsException(where + ": negative dimension in shape " + sh);
            }
            shape[i] = d;
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException e) {
                throw new SafetensorsException(where + ": shape " + sh + " overflows");
            }
        }
        JsonArray off = HeaderChecks.array(o.get("data_offsets"), where, "data_offsets");
        if (off.size() != 2) {
            throw new SafetensorsException(where + ": data_offsets must be [begin, end]");
        }
        long begin = HeaderChecks.integer(off.get(0), where, "data_offsets " + off);
        long end = HeaderChecks.integer(off.get(1), where, "data_offsets " + off);
        if (begin < 0 || end < begin || end > dataSize) {
            throw new SafetensorsException(where + ": data_offsets [" + begin + ", " + end
                    + "] out of range (data section has " + dataSize + " bytes; truncated file?)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(numel, (long) dtype.size);
        } catch (ArithmeticException e) {
            throw new SafetensorsException(where + ": shape " + sh + " overflows");
        }
        if (end - begin != expected) {
            throw new SafetensorsException(where + ": " + dtype + " " + sh + " needs " + expected
                    + " bytes but data_offsets give " + (end - begin));
        }
        return new TensorInfo(key, dtype, shape, begin, end);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    /** The file's path. */
    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public Set<String> keys() {
        return tensors.keySet();
    }

    /** All header entries by name. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} strings (e.g. {"format": "pt"}). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** One header entry; the error names the file and the key. */
    public TensorInfo info(String key) {
        TensorInfo t = tensors.get(key);
        if (t == null) {
            throw new SafetensorsException(path + ": no tensor '" + key + "'");
        }
        return t;
    }

    /** The raw little-endian bytes of a tensor, memory-mapped (read-only). */
    public ByteBuffer bytes(String key) {
        TensorInfo t = info(key);
        if (t.byteLength() > Integer.MAX_VALUE) {
            throw new SafetensorsException(path + ": tensor '" + key + "' is " + t.byteLength()
                    + " bytes, above the 2 GiB a single tensor may have here");
        }
        try {
            MappedByteBuffer mb = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteLength());
            mb.order(ByteOrder.LITTLE_ENDIAN);
            return mb;
        } catch (IOException e) {
            throw new SafetensorsException(path + ": cannot map tensor '" + key + "': " + e.getMessage());
        }
    }

    /** Loads a tensor with its stored dtype into {@code manager}. */
    public NDArray load(String key, NDManager manager) {
        TensorInfo t = info(key);
        ByteBuffer b = bytes(key);
        if (t.dtype() == Dtype.BF16) {
            // DJL cannot create bf16 from a buffer on every engine: widen to f32 exactly, then cast.
            return manager.create(bf16ToF32(b, (int) t.numel()), t.djlShape()).toType(DataType.BFLOAT16, false);
        }
        NDArray mapped = manager.create(b, t.djlShape(), t.dtype().djl);
        // DJL wraps a direct buffer without copying, and this mapping is read-only: an in-place update
        // (an optimizer step, w.addi(...)) would crash the JVM. The copy owns ordinary memory.
        NDArray a = mapped.duplicate();
        mapped.close();
        a.setName(key);
        return a;
    }

    /** Loads a tensor converted to {@code dtype} (e.g. fp16 weights into an fp32 model on CPU). */
    public NDArray load(String key, NDManager manager, DataType dtype) {
        TensorInfo t = info(key);
        if (t.dtype() == Dtype.BF16 && dtype != DataType.BFLOAT16) {
            // widen bf16 -> f32 exactly in Java, then narrow if asked: never materialise a DJL bf16 array,
            // which aborts the process in DJL 0.36's PyTorch engine
            NDArray f32 = manager.create(bf16ToF32(bytes(key), (int) t.numel()), t.djlShape());
            if (dtype == DataType.FLOAT32) {
                return f32;
            }
            NDArray c = f32.toType(dtype, false);
            f32.close();
            return c;
        }
        NDArray a = load(key, manager);
        if (a.getDataType() == dtype) {
            return a;
        }
        NDArray c = a.toType(dtype, false);
        a.close();
        return c;
    }

    /** Reads a tensor as doubles (any float dtype), for small tensors and tests. */
    public double[] loadDoubles(String key) {
        TensorInfo t = info(key);
        ByteBuffer b = bytes(key);
        int n = Math.toIntExact(t.numel());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (t.dtype()) {
                case F64 -> b.getDouble(i * 8);
                case F32 -> b.getFloat(i * 4);
                case F16 -> halfToFloat(b.getShort(i * 2));
                case BF16 -> Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
                case I64 -> b.getLong(i * 8);
                case I32 -> b.getInt(i * 4);
                case I8 -> b.get(i);
                case U8, BOOL -> b.get(i) & 0xff;
            };
        }
        return out;
    }

    /** IEEE 754 half to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static float[] bf16ToF32(ByteBuffer b, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
        }
        return f;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new SafetensorsException(path + ": close failed: " + e.getMessage());
        }
    }
}
