package dev.diffusionlab.unet;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.AttentionCall;
import dev.diffusionlab.nn.TinyModels;
import dev.diffusionlab.safetensors.SafetensorsException;
import dev.diffusionlab.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, saving, memory discipline, autograd and the attention hook on a tiny random UNet. */
class UNetModelTest {
    @TempDir
    Path dir;

    private static NDArray[] inputs(NDManager m, long b, long h, long w) {
        Engine.getInstance().setRandomSeed(7);
        return new NDArray[] {m.randomNormal(new Shape(b, 4, h, w)), m.create(new float[] {981f, 10.5f}), m.randomNormal(new Shape(b, 5, 8))};
    }

    @Test
    void saveLoadRoundTripIsExact() {
        try (UNet2DConditionModel a = UNet2DConditionModel.random(TinyModels.unet(false), Device.cpu(), DataType.FLOAT32, 1);
             NDManager m = Engines.newCpuManager()) {
            a.save(dir.resolve("unet"));
            assertTrue(Files.isRegularFile(dir.resolve("unet/config.json")));
            try (UNet2DConditionModel b = UNet2DConditionModel.fromPretrained(dir.resolve("unet"), Device.cpu(), DataType.FLOAT32)) {
                assertEquals(new ArrayList<>(a.stateDict().keySet()), new ArrayList<>(b.stateDict().keySet()));
                NDArray[] in = inputs(m, 2, 8, 8);
                float[] ya = a.forward(in[0], in[1], in[2]).toFloatArray();
                float[] yb = b.forward(in[0], in[1], in[2]).toFloatArray();
                assertArrayEquals(ya, yb, 0f);
                assertTrue(Math.abs(ya[0]) > 0);
            }
        }
    }

    @Test
    void strictLoadingListsEveryProblemInOneError() throws Exception {
        try (UNet2DConditionModel a = UNet2DConditionModel.random(TinyModels.unet(false), Device.cpu(), DataType.FLOAT32, 1);
             NDManager m = Engines.newCpuManager()) {
            a.save(dir.resolve("unet"));
            Map<String, NDArray> sd = new LinkedHashMap<>(a.stateDict());
            sd.remove("conv_in.bias");
            sd.put("conv_in.extra", m.zeros(new Shape(3)));
            sd.put("conv_out.bias", m.zeros(new Shape(5)));
            SafetensorsWriter.write(dir.resolve("unet/diffusion_pytorch_model.safetensors"), sd, Map.of("format", "pt"));
            SafetensorsException e = assertThrows(SafetensorsException.class,
                    () -> UNet2DConditionModel.fromPretrained(dir.resolve("unet"), Device.cpu(), DataType.FLOAT32));
            String msg = e.getMessage();
            assertTrue(msg.contains("diffusion_pytorch_model.safetensors"), msg);
            assertTrue(msg.contains("1 missing keys [conv_in.bias]"), msg);
            assertTrue(msg.contains("1 unexpected keys [conv_in.extra]"), msg);
            assertTrue(msg.contains("conv_out.bias has shape [5], model expects (4)"), msg);
        }
    }

    @Test
    void loadsFp16VariantAndRefusesPickles() throws Exception {
        try (UNet2DConditionModel a = UNet2DConditionModel.random(TinyModels.unet(true), Device.cpu(), DataType.FLOAT16, 2);
             NDManager m = Engines.newCpuManager()) {
            Path d = dir.resolve("unet16");
            a.save(d);
            Files.move(d.resolve("diffusion_pytorch_model.safetensors"), d.resolve("diffusion_pytorch_model.fp16.safetensors"));
            try (UNet2DConditionModel b = UNet2DConditionModel.fromPretrained(d, Device.cpu(), DataType.FLOAT32)) {
                assertEquals(DataType.FLOAT32, b.stateDict().get("conv_in.weight").getDataType());
                // fp16 -> fp32 widening is exact
                assertArrayEquals(a.stateDict().get("conv_in.weight").toType(DataType.FLOAT32, false).toFloatArray(),
                        b.stateDict().get("conv_in.weight").toFloatArray(), 0f);
            }
            Files.delete(d.resolve("diffusion_pytorch_model.fp16.safetensors"));
            Files.writeString(d.resolve("diffusion_pytorch_model.bin"), "pickle");
            SafetensorsException e = assertThrows(SafetensorsException.class,
                    () -> UNet2DConditionModel.fromPretrained(d, Device.cpu(), DataType.FLOAT32));
            assertTrue(e.getMessage().contains("pickle") && e.getMessage().contains("diffusion_pytorch_model.bin"), e.getMessage());
        }
    }

    @Test
    void unsupportedConfigValueNamesFieldAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UNet2DConditionModel.parseConfig(
                "{\"block_out_channels\": [32], \"down_block_types\": [\"AttnDownBlock2D\"], \"up_block_types\": [\"UpBlock2D\"]}", "cfg"));
        assertTrue(e.getMessage().contains("down_block_types") && e.getMessage().contains("AttnDownBlock2D"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UNet2DConditionModel.parseConfig(
                "{\"block_out_channels\": [32], \"down_block_types\": [\"DownBlock2D\"], \"up_block_types\": [\"UpBlock2D\"],"
                        + " \"resnet_time_scale_shift\": \"scale_shift\"}", "cfg"));
        assertTrue(e.getMessage().contains("resnet_time_scale_shift = \"scale_shift\""), e.getMessage());
    }

    @Test
    void forwardLeavesWeightsManagerUntouched() {
        try (UNet2DConditionModel u = UNet2DConditionModel.random(TinyModels.unet(true), Device.cpu(), DataType.FLOAT32, 3)) {
            int before = u.weightsManager().getManagedArrays().size();
            assertEquals(u.stateDict().size(), before);
            int callerAfter;
            try (NDManager m = Engines.newCpuManager()) {
                NDArray[] in = inputs(m, 2, 8, 12);
                int callerBefore = m.getManagedArrays().size();
                u.setAttentionHook((c, p) -> p);
                u.forward(in[0], in[1], in[2]);
                callerAfter = m.getManagedArrays().size() - callerBefore;
            }
            assertEquals(before, u.weightsManager().getManagedArrays().size());
            // block intermediates are freed as the forward goes; what stays is O(blocks), not O(ops)
            assertTrue(callerAfter < 60, "arrays left in the caller's manager: " + callerAfter);
        }
    }

    @Test
    void gradientsReachEveryParameter() {
        try (UNet2DConditionModel u = UNet2DConditionModel.random(TinyModels.unet(false), Device.cpu(), DataType.FLOAT32, 4);
             NDManager m = Engines.newCpuManager()) {
            u.setRequiresGradient(true);
            NDArray[] in = inputs(m, 2, 8, 8);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = u.forward(in[0], in[1], in[2]).sub(in[0]).square().mean();
                gc.backward(loss);
            }
            List<String> zero = new ArrayList<>();
            u.namedParameters().forEach((k, p) -> {
                if (p.getGradient().abs().sum().getFloat() == 0f) {
                    zero.add(k);
                }
            });
            assertEquals(List.of(), zero, "parameters without gradient");
            assertEquals(u.numParameters(), u.namedParameters().values().stream().mapToLong(p -> p.getGradient().size()).sum());
        }
    }

    @Test
    void attentionHookSeesEveryCallAndCanReplaceProbabilities() {
        try (UNet2DConditionModel u = UNet2DConditionModel.random(TinyModels.unet(true), Device.cpu(), DataType.FLOAT32, 5);
             NDManager m = Engines.newCpuManager()) {
            NDArray[] in = inputs(m, 2, 8, 12);
            float[] plain = u.forward(in[0], in[1], in[2]).toFloatArray();
            List<AttentionCall> calls = new ArrayList<>();
            u.setAttentionHook((call, probs) -> {
                calls.add(call);
                long n = (long) call.queryHeight() * call.queryWidth();
                assertEquals(new Shape((long) call.batch() * call.heads(), n, call.keyLength()), probs.getShape());
                float[] rowSums = probs.sum(new int[] {2}).toFloatArray();
                for (float s : rowSums) {
                    assertEquals(1f, s, 1e-5f);
                }
                return probs;
            });
            float[] observed = u.forward(in[0], in[1], in[2]).toFloatArray();
            assertArrayEquals(plain, observed, 0f, "observing must not change the output");
            // down0 (8x12, 2 heads), mid (4x6, 4 heads), up1 (8x12, 2 heads, 2 layers): self + cross each
            assertEquals(8, calls.size());
            AttentionCall first = calls.get(0);
            assertEquals(new AttentionCall("down_blocks.0.attentions.0.transformer_blocks.0.attn1", false, 2, 2, 8, 12, 96), first);
            assertEquals(new AttentionCall("down_blocks.0.attentions.0.transformer_blocks.0.attn2", true, 2, 2, 8, 12, 5), calls.get(1));
            assertEquals(new AttentionCall("mid_block.attentions.0.transformer_blocks.0.attn2", true, 4, 2, 4, 6, 5), calls.get(3));
            assertEquals("up_blocks.1.attentions.1.transformer_blocks.0.attn2", calls.get(7).layer());
            // replacing the cross-attention probabilities by uniform ones changes the prediction
            u.setAttentionHook((call, probs) -> call.cross() ? probs.onesLike().div(call.keyLength()) : probs);
            float[] edited = u.forward(in[0], in[1], in[2]).toFloatArray();
            double diff = 0;
            for (int i = 0; i < plain.length; i++) {
                diff = Math.max(diff, Math.abs(plain[i] - edited[i]));
            }
            assertTrue(diff > 1e-4, "edited attention had no effect: " + diff);
            u.setAttentionHook(null);
            assertArrayEquals(plain, u.forward(in[0], in[1], in[2]).toFloatArray(), 0f);
        }
    }
}
