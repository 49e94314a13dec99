package dev.diffusionlab.core;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class EnginesTest {
    @Test
    void engineStartsOfflineAndComputes() {
        Engines.Choice c = Engines.start();
        assertEquals("PyTorch", c.engine());
        assertEquals("2.7.1", c.version());
        assertEquals("true", System.getProperty("ai.djl.offline"));
        try (NDManager m = Engines.newManager()) {
            NDArray a = m.create(new float[] {1, 2, 3});
            assertEquals(14f, a.mul(a).sum().getFloat(), 0f);
        }
    }
}
