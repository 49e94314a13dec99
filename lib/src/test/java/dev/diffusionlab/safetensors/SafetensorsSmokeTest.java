package dev.diffusionlab.safetensors;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.Engines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsSmokeTest {
    @Test
    void roundTripF32F16(@TempDir Path dir) throws Exception {
        try (NDManager m = Engines.newCpuManager()) {
            NDArray a = m.create(new float[] {1.5f, -2.25f, 3f, 65504f, 1e-7f, 0f}, new ai.djl.ndarray.types.Shape(2, 3));
            NDArray h = a.toType(DataType.FLOAT16, false);
            Path f = dir.resolve("t.safetensors");
            SafetensorsWriter.write(f, Map.of("a", a, "h", h), Map.of("format", "pt"));
            try (SafetensorsFile sf = SafetensorsFile.open(f)) {
                assertEquals("pt", sf.metadata().get("format"));
                assertEquals(Dtype.F16, sf.info("h").dtype());
                assertArrayEquals(a.toFloatArray(), sf.load("a", m).toFloatArray());
                double[] hd = sf.loadDoubles("h");
                float[] hf = sf.load("h", m, DataType.FLOAT32).toFloatArray();
                for (int i = 0; i < hd.length; i++) {
                    assertEquals(hf[i], hd[i], 0.0, "half decoding at " + i);
                }
                assertEquals(65504.0, hd[3]);
                assertEquals(-2.25, hd[1]);
            }
        }
    }

    @Test
    void loadedTensorsOwnTheirMemoryAndCanBeUpdatedInPlace(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("w.safetensors");
        try (NDManager m = Engines.newCpuManager()) {
            SafetensorsWriter.write(f, Map.of("w", m.create(new float[] {1, 2, 3})), Map.of());
            byte[] before = Files.readAllBytes(f);
            try (SafetensorsFile sf = SafetensorsFile.open(f)) {
                NDArray w = sf.load("w", m);
                w.addi(10); // an optimizer step on a loaded weight; on the read-only mapping this would crash the JVM
                assertArrayEquals(new float[] {11, 12, 13}, w.toFloatArray());
            }
            assertArrayEquals(before, Files.readAllBytes(f), "the file is untouched");
        }
    }

    @Test
    void refusesPickle(@TempDir Path dir) throws Exception {
        Path p = Files.writeString(dir.resolve("model.ckpt"), "x");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains("pickle"), e.getMessage());
    }
}
