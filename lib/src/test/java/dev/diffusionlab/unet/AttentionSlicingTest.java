package dev.diffusionlab.unet;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.Attention;
import dev.diffusionlab.nn.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** diffusers' attention slicing: the same numbers with any slice size, forced on a tiny UNet. */
class AttentionSlicingTest {
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void slicedAttentionGivesTheSameOutput(boolean linearProjection) {
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(TinyModels.unet(linearProjection), Device.cpu(), DataType.FLOAT32, 5);
             NDManager m = Engines.newCpuManager()) {
            Engine.getInstance().setRandomSeed(7);
            NDArray x = m.randomNormal(new Shape(3, 4, 8, 8)); // batch 3: slices do not divide batch·heads evenly
            NDArray ctx = m.randomNormal(new Shape(3, 5, 8));
            NDArray t = m.create(new float[] {999, 10.5f, 0});
            float[] full = unet.forward(x, t, ctx).toFloatArray();
            for (String spec : new String[] {"auto", "max", "1", "2"}) {
                unet.setAttentionSlicing(spec);
                for (Attention a : unet.attentions()) {
                    int want = switch (spec) {
                        case "auto" -> Math.max(1, a.heads / 2);
                        case "max" -> 1;
                        default -> Integer.parseInt(spec);
                    };
                    assertEquals(want, a.sliceSize(), a.path());
                }
                float[] sliced = unet.forward(x, t, ctx).toFloatArray();
                assertEquals(full.length, sliced.length);
                double worst = 0;
                for (int i = 0; i < full.length; i++) {
                    worst = Math.max(worst, Math.abs(full[i] - sliced[i]));
                }
                assertTrue(worst <= 1e-6, "slicing " + spec + ": max |diff| " + worst);
            }
            unet.setAttentionSlicing("off");
            unet.attentions().forEach(a -> assertEquals(0, a.sliceSize()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"3", "-1", "half"})
    void badSliceSizesAreRefusedWithTheReason(String spec) {
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(TinyModels.unet(false), Device.cpu(), DataType.FLOAT32, 5)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> unet.setAttentionSlicing(spec));
            assertTrue(e.getMessage().contains(spec), e.getMessage());
            if (spec.equals("3")) { // the first block has 2 heads
                assertTrue(e.getMessage().contains("2 heads of down_blocks.0"), e.getMessage());
            }
        }
    }
}
