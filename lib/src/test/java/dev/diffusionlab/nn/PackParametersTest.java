package dev.diffusionlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.unet.UNet2DConditionModel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Module#packParameters}: the parameters become views of one buffer, with the same values and gradients. */
class PackParametersTest {
    @Test
    void parametersBecomeViewsOfOneBufferWithTheSameValues() {
        Engines.start();
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(TinyModels.unet(false), Device.cpu(), DataType.FLOAT32, 5)) {
            Map<String, float[]> before = values(unet);
            Map<String, Shape> shapes = new LinkedHashMap<>();
            unet.namedParameters().forEach((k, p) -> shapes.put(k, p.getShape()));
            NDArray flat = unet.packParameters();
            assertEquals(new Shape(unet.numParameters()), flat.getShape());
            Map<String, float[]> after = values(unet);
            assertEquals(before.keySet(), after.keySet(), "names and order");
            before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k));
            unet.namedParameters().forEach((k, p) -> assertEquals(shapes.get(k), p.getShape(), k));
            // the buffer holds the parameters one after the other, in slot order
            float[] all = flat.toFloatArray();
            int offset = 0;
            for (float[] v : before.values()) {
                for (float x : v) {
                    assertEquals(x, all[offset++]);
                }
            }
            // and moving the buffer moves every parameter: they are views, not copies
            flat.subi(1f);
            values(unet).forEach((k, v) -> {
                float[] want = before.get(k);
                for (int i = 0; i < v.length; i++) {
                    assertEquals(want[i] - 1f, v[i], 1e-6f * Math.max(1, Math.abs(want[i])), k);
                }
            });
        }
    }

    @Test
    void packedParametersGetTheGradientsOfUnpackedOnes() {
        Engines.start();
        try (UNet2DConditionModel plain = UNet2DConditionModel.random(TinyModels.unet(false), Device.cpu(), DataType.FLOAT32, 5);
             UNet2DConditionModel packed = UNet2DConditionModel.random(TinyModels.unet(false), Device.cpu(), DataType.FLOAT32, 5)) {
            plain.setRequiresGradient(true);
            packed.setRequiresGradient(true); // the flag survives packing
            packed.packParameters();
            for (NDArray p : packed.namedParameters().values()) {
                assertTrue(JniUtils.requiresGrad((PtNDArray) p), "a packed parameter still requires a gradient");
            }
            Map<String, float[]> want = gradients(plain);
            Map<String, float[]> got = gradients(packed);
            double scale = 0;
            for (float[] g : want.values()) {
                for (float v : g) {
                    scale = Math.max(scale, Math.abs(v));
                }
            }
            assertTrue(scale > 0, "the gradients are not zero");
            for (Map.Entry<String, float[]> e : want.entrySet()) {
                float[] g = got.get(e.getKey());
                for (int i = 0; i < g.length; i++) {
                    assertEquals(e.getValue()[i], g[i], 1e-6 * scale, e.getKey());
                }
            }
            packed.setRequiresGradient(false);
            assertFalse(JniUtils.requiresGrad((PtNDArray) packed.namedParameters().get("conv_in.weight")));
        }
    }

    @Test
    void mixedDataTypesAreRefusedByName() {
        Engines.start();
        try (NDManager m = Engines.newCpuManager()) {
            Linear linear = new Linear(2, 3, true);
            linear.initialize(m, DataType.FLOAT32, 1);
            Module.Param bias = linear.namedParameterSlots().get("bias");
            NDArray old = bias.value;
            bias.value = old.toType(DataType.FLOAT16, true);
            old.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, linear::packParameters);
            assertTrue(e.getMessage().contains("Linear") && e.getMessage().contains("float16"), e.getMessage());
        }
    }

    private static Map<String, float[]> values(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, p.toFloatArray()));
        return out;
    }

    private static Map<String, float[]> gradients(UNet2DConditionModel unet) {
        try (NDManager m = Engines.newCpuManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Engine.getInstance().setRandomSeed(11);
            NDArray x = m.randomNormal(new Shape(2, 4, 8, 8));
            NDArray ctx = m.randomNormal(new Shape(2, 5, 8));
            gc.backward(unet.forward(x, m.create(new float[] {100, 700}), ctx).square().mean());
            Map<String, float[]> out = new LinkedHashMap<>();
            unet.namedParameters().forEach((k, p) -> {
                try (NDArray g = p.getGradient()) {
                    out.put(k, g.toFloatArray());
                }
                JniUtils.zeroGrad((PtNDArray) p);
            });
            return out;
        }
    }
}
