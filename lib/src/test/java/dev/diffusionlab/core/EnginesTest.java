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

    @Test
    void threadSettingsAreExplicitAndPassive() {
        Engines.start();
        // surefire passes -Dai.djl.pytorch.num_threads=1: the property wins and reaches libtorch
        assertEquals(Integer.getInteger("ai.djl.pytorch.num_threads"), ai.djl.pytorch.jni.JniUtils.getNumThreads());
        assertEquals(1, ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
        String r = Engines.threadReport();
        assertTrue(r.endsWith("OMP_WAIT_POLICY=PASSIVE"), r);
    }

    @Test
    void threadCountPrecedence() {
        assertEquals(3, Engines.threadCount("3", "1", 2)); // DLAB_THREADS over OMP_NUM_THREADS over the cores
        assertEquals(1, Engines.threadCount(null, "1", 2));
        assertEquals(2, Engines.threadCount(null, null, 2));
        assertEquals(2, Engines.threadCount(" ", "x", 2)); // malformed OMP_NUM_THREADS is ignored, as OpenMP does
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Engines.threadCount("0", null, 2));
        assertTrue(e.getMessage().contains("DLAB_THREADS") && e.getMessage().contains("'0'"), e.getMessage());
    }
}
