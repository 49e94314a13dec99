package dev.diffusionlab.nn;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.diffusionlab.clip.CLIPTextModel;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.verify.Fixtures;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Batch-parallel inference (one slice of the batch per core): forced on with two intra-op threads (the tests
 * otherwise run on one), the same numbers as one batched call, fixture parity, gradients through every slice.
 */
class BatchParallelTest {
    private int threadsBefore;

    @BeforeEach
    void twoThreads() {
        Engines.newCpuManager().close(); // engine started
        threadsBefore = JniUtils.getNumThreads();
        JniUtils.setNumThreads(2);
        BatchParallel.setEnabled(true);
    }

    @AfterEach
    void restore() {
        JniUtils.setNumThreads(threadsBefore);
        BatchParallel.setEnabled(true);
    }

    static Stream<Arguments> cases() {
        return Fixtures.cases("text_encoder", "unet");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void fixtureCasesPassWithTheBatchSplitOverTwoThreads(String model, String caseId) {
        assertEquals(2, BatchParallel.parts(2), "two threads and batch 2 must split");
        Fixtures.assertCasePasses(model, caseId);
        assertEquals(2, JniUtils.getNumThreads(), "the intra-op thread count is restored after each split call");
    }

    @Test
    void unetSlicesGiveTheSameNumbersAsOneCallAndHooksSeeTheWholeBatch() {
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(TinyModels.unet(false), Device.cpu(), DataType.FLOAT32, 5);
             NDManager m = Engines.newCpuManager()) {
            Engine.getInstance().setRandomSeed(3);
            NDArray x = m.randomNormal(new Shape(3, 4, 8, 8)); // batch 3 over 2 threads: slices of 1 and 2
            NDArray ctx = m.randomNormal(new Shape(3, 5, 8));
            NDArray t = m.create(new float[] {999, 10.5f, 0});
            long before = BatchParallel.calls();
            float[] split = unet.forward(x, t, ctx).toFloatArray();
            assertEquals(before + 1, BatchParallel.calls(), "the forward was split");
            float[] scalarT = unet.forward(x, m.create(500f), ctx).toFloatArray();
            // 1e-5 of the output's scale: a GEMM blocks its sums by the batch size it is given, so a slice of 1 and a
            // batch of 3 add in different orders; with MKL's AVX-512 kernels (scripts/mkl-amd.sh) that reaches ~1.2e-6
            // through the UNet's depth. A wrong slice (another sample's timestep or context) moves outputs by O(1).
            unet.setAttentionSlicing("max"); // sliced attention inside each batch slice
            assertClose(split, unet.forward(x, t, ctx).toFloatArray(), 1e-5, "attention slicing inside the slices");
            unet.setAttentionSlicing("off");
            BatchParallel.setEnabled(false);
            assertClose(unet.forward(x, t, ctx).toFloatArray(), split, 1e-5, "per-sample timesteps");
            assertClose(unet.forward(x, m.create(500f), ctx).toFloatArray(), scalarT, 1e-5, "one timestep");
            BatchParallel.setEnabled(true);
            List<Integer> batches = Collections.synchronizedList(new ArrayList<>());
            unet.setAttentionHook((call, probs) -> {
                batches.add(call.batch());
                return probs;
            });
            long hooked = BatchParallel.calls();
            unet.forward(x, t, ctx);
            unet.setAttentionHook(null);
            assertEquals(hooked, BatchParallel.calls(), "a hooked forward is not split");
            assertFalse(batches.isEmpty());
            assertTrue(batches.stream().allMatch(b -> b == 3), "a hooked forward is one call over the batch: " + batches);
        }
    }

    @Test
    void textEncoderSlicesGiveEveryOutputOfOneCall() {
        try (CLIPTextModel te = CLIPTextModel.random(TinyModels.clip(), Device.cpu(), DataType.FLOAT32, 4);
             NDManager m = Engines.newCpuManager()) {
            NDArray ids = m.create(new int[] {0, 5, 9, 2, 2, 0, 7, 2, 2, 2, 0, 8, 8, 8, 2}, new Shape(3, 5));
            long before = BatchParallel.calls();
            CLIPTextModel.Output split = te.encode(ids);
            assertEquals(before + 1, BatchParallel.calls(), "the encode was split");
            BatchParallel.setEnabled(false);
            CLIPTextModel.Output one = te.encode(ids);
            assertEquals(one.lastHiddenState().getShape(), split.lastHiddenState().getShape());
            assertClose(one.lastHiddenState().toFloatArray(), split.lastHiddenState().toFloatArray(), 1e-6, "last_hidden_state");
            assertClose(one.pooledOutput().toFloatArray(), split.pooledOutput().toFloatArray(), 1e-6, "pooled_output");
            assertEquals(one.hiddenStates().size(), split.hiddenStates().size());
            for (int k = 0; k < one.hiddenStates().size(); k++) {
                assertClose(one.hiddenStates().get(k).toFloatArray(), split.hiddenStates().get(k).toFloatArray(), 1e-6, "hidden_states " + k);
            }
            assertClose(one.hiddenState(1).toFloatArray(), split.hiddenState(1).toFloatArray(), 1e-6, "clip skip 1");
        }
    }

    @Test
    void gradientsReachEverySlice() {
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(TinyModels.unet(false), Device.cpu(), DataType.FLOAT32, 5)) {
            unet.setRequiresGradient(true);
            long before = BatchParallel.calls();
            float[] split = convInGradient(unet);
            assertEquals(before + 1, BatchParallel.calls(), "the forward was split");
            BatchParallel.setEnabled(false);
            float[] one = convInGradient(unet);
            assertEquals(before + 1, BatchParallel.calls(), "switched off");
            assertClose(one, split, 1e-5, "conv_in.weight gradient");
            double norm = 0;
            for (float v : one) {
                norm += v * v;
            }
            assertTrue(norm > 0, "the gradient is not zero");
        }
    }

    @Test
    void slicesKnowTheyShareTheMemoryBudget() {
        assertEquals(1, BatchParallel.concurrentSlices());
        assertEquals(List.of(2, 2), BatchParallel.run(4, 2, (a, b) -> BatchParallel.concurrentSlices()));
        // a split inside a slice runs its parts on that slice's thread
        assertEquals(List.of(List.of(0, 1), List.of(2, 3)), BatchParallel.run(4, 2, (a, b) -> BatchParallel.run(b - a, 2, (c, d) -> a + c)));
        assertEquals(1, BatchParallel.concurrentSlices());
    }

    @Test
    void badSlicesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchParallel.run(2, 3, (a, b) -> a));
        assertTrue(e.getMessage().contains("parts 3 for a batch of 2"), e.getMessage());
    }

    @Test
    void aFailingSliceFailsTheCallAndRestoresTheThreads() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BatchParallel.run(4, 2, (a, b) -> {
            if (a == 2) {
                throw new IllegalStateException("slice " + a + ":" + b + " failed");
            }
            return a;
        }));
        assertEquals("slice 2:4 failed", e.getMessage());
        assertEquals(2, JniUtils.getNumThreads());
    }

    private static float[] convInGradient(UNet2DConditionModel unet) {
        try (NDManager m = Engines.newCpuManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Engine.getInstance().setRandomSeed(11);
            NDArray x = m.randomNormal(new Shape(2, 4, 8, 8));
            NDArray ctx = m.randomNormal(new Shape(2, 5, 8));
            NDArray loss = unet.forward(x, m.create(new float[] {100, 700}), ctx).square().mean();
            gc.backward(loss);
            NDArray w = unet.namedParameters().get("conv_in.weight");
            Supplier<float[]> g = () -> w.getGradient().toFloatArray();
            float[] out = g.get();
            JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) w);
            unet.namedParameters().values().forEach(p -> JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p));
            return out;
        }
    }

    private static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        assertTrue(worst <= tol * Math.max(1, scale), what + ": max |diff| " + worst + " (scale " + scale + ")");
    }
}
