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

    @Test
    void mallocReportTellsWhetherJemallocIsPreloaded() {
        String with = "7f00-7f10 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n";
        String without = "7f00-7f10 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libc.so.6\n";
        assertEquals("malloc: jemalloc (preloaded)", Engines.mallocReport(with));
        assertTrue(Engines.mallocReport(without).contains("apt-get install libjemalloc2"), "says how to get it");
    }

    @Test
    void mklReportTellsWhichKernelsMklRuns() {
        String amd = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\n";
        String intel = "processor\t: 0\nvendor_id\t: GenuineIntel\n";
        String withFix = "7f00-7f01 r-xp 00001000 00:2a 12 /home/s/dlab/.native/libdlab_mkl_amd.so\n";
        String without = "7f00-7f01 r-xp 00001000 00:2a 13 /root/.djl.ai/pytorch/libtorch_cpu.so\n";
        assertTrue(Engines.mklReport(amd, withFix).contains("kernels by CPU features"));
        assertTrue(Engines.mklReport(amd, without).contains("AVX2 path"));
        assertTrue(Engines.mklReport(amd, without).contains("scripts/mkl-amd.sh"), "says how to get the fast path");
        assertTrue(Engines.mklReport(intel, withFix).contains("not an AMD CPU"));
        assertTrue(Engines.mklReport("", "").contains("not an AMD CPU"), "no /proc (macOS, Windows): no claim");
    }

    @Test
    void aPreloadedMklFixIsMappedIntoThisProcess() {
        // ./test.sh exports LD_PRELOAD from scripts/mkl-amd.sh; whatever it holds must really be loaded here
        String preload = System.getenv("LD_PRELOAD");
        org.junit.jupiter.api.Assumptions.assumeTrue(preload != null && preload.contains(Engines.MKL_AMD_LIBRARY),
                "the MKL vendor fix is not preloaded in this run (not AMD, no C compiler, or not run through ./test.sh)");
        assertTrue(Engines.mklReport().contains("preloaded"), Engines.mklReport());
    }
}
