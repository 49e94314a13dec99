package dev.diffusionlab.safetensors;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Engines;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt and hostile files are rejected at open, before any tensor is allocated; big files open. */
class SafetensorsHostileTest {
    @TempDir
    Path dir;

    /** Writes [u64 header length][header][dataBytes zero bytes]; {@code declaredLen} < 0 means the real length. */
    private Path file(String name, String header, long declaredLen, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLen < 0 ? h.length : declaredLen).put(h);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private String rejected(Path p) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void hugeHeaderLength() throws Exception {
        Path p = file("huge.safetensors", "{}", 1L << 60, 0);
        assertTrue(rejected(p).contains("header length"));
    }

    @Test
    void headerLongerThanFile() throws Exception {
        Path p = file("short.safetensors", "{}", 5000, 0);
        assertTrue(rejected(p).contains("exceeds the file size"));
    }

    @Test
    void offsetsOutOfRange() throws Exception {
        Path p = file("range.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", -1, 8);
        String m = rejected(p);
        assertTrue(m.contains("'a'") && m.contains("out of range"), m);
    }

    @Test
    void overlappingOffsets() throws Exception {
        Path p = file("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", -1, 24);
        String m = rejected(p);
        assertTrue(m.contains("overlap") && m.contains("'a'") && m.contains("'b'"), m);
    }

    @Test
    void dtypeShapeDisagreeWithByteRange() throws Exception {
        Path p = file("size.safetensors", "{\"a\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", -1, 24);
        String m = rejected(p);
        assertTrue(m.contains("needs 12 bytes") && m.contains("24"), m);
    }

    @Test
    void overflowingShape() throws Exception {
        Path p = file("ovf.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,16]}}", -1, 16);
        assertTrue(rejected(p).contains("overflows"));
    }

    @Test
    void truncatedFile() throws Exception {
        assertTrue(rejected(file("t0.safetensors", "", 0, 0)).contains("out of range"));
        Path tiny = dir.resolve("t1.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(rejected(tiny).contains("truncated"));
        // a complete header whose tensor data was cut off
        Path cut = file("t2.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,32]}}", -1, 20);
        assertTrue(rejected(cut).contains("truncated file?"));
    }

    @Test
    void notJson() throws Exception {
        assertTrue(rejected(file("nj.safetensors", "[1,2,3]", -1, 0)).contains("not a JSON object"));
        assertTrue(rejected(file("nj2.safetensors", "{\"a\":", -1, 0)).contains("not valid JSON"));
    }

    @Test
    void picklesRefusedWithAdvice() throws Exception {
        for (String n : new String[] {"model.ckpt", "pytorch_model.bin", "weights.pt", "x.pth"}) {
            Path p = Files.writeString(dir.resolve(n), "not opened");
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p));
            assertTrue(e.getMessage().contains("arbitrary code") && e.getMessage().contains(".safetensors"), e.getMessage());
        }
    }

    /** A sparse file of more than 2 GiB: the header is validated and the last tensor is read through its own mapping. */
    @Test
    void opensFileAbove2GiB() throws Exception {
        long big = 2_300_000_000L; // bytes of the first (sparse, all-zero) tensor
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + big + "," + (big + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("big.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            long tailAt = 8 + h.length + big;
            f.setLength(tailAt + 16);
            f.seek(tailAt);
            ByteBuffer t = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            t.putFloat(1.5f).putFloat(-2f).putFloat(3.25f).putFloat(1e-3f);
            f.write(t.array());
        }
        assertTrue(Files.size(p) > (2L << 30));
        try (SafetensorsFile sf = SafetensorsFile.open(p); NDManager m = Engines.newCpuManager()) {
            assertEquals(big, sf.info("big").byteLength());
            NDArray tail = sf.load("tail", m);
            assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 1e-3f}, tail.toFloatArray());
            assertEquals(new ai.djl.ndarray.types.Shape(2, 2), tail.getShape());
        }
    }

    /** bf16 tensors widen exactly to f32 and narrow to f16 without creating a (crashing) DJL bf16 array. */
    @Test
    void bf16TensorsLoadAsFloat32AndFloat16() throws Exception {
        String header = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 6).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (float v : new float[] {1.5f, -2f, 0.15625f}) {
            b.putShort((short) (Float.floatToIntBits(v) >>> 16));
        }
        Path p = dir.resolve("bf16.safetensors");
        Files.write(p, b.array());
        try (SafetensorsFile sf = SafetensorsFile.open(p); NDManager m = Engines.newCpuManager()) {
            assertArrayEquals(new float[] {1.5f, -2f, 0.15625f}, sf.load("w", m, ai.djl.ndarray.types.DataType.FLOAT32).toFloatArray());
            NDArray h16 = sf.load("w", m, ai.djl.ndarray.types.DataType.FLOAT16);
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT16, h16.getDataType());
            assertArrayEquals(new float[] {1.5f, -2f, 0.15625f}, h16.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray());
        }
    }
}
