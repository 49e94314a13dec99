package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.StableDiffusionInpaintPipeline;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inpainting fine-tune: a 9-channel folder whose extra input channels start at zero. */
class ShapesInpaintTrainerTest {
    @Test
    void writesANineChannelFolderWhoseNewChannelsStartAtZero(@TempDir Path tmp) {
        Path base = Paths.home().resolve(DefaultModel.SHAPES_RELATIVE);
        double lr = 2e-4;
        ShapesInpaintTrainer.Result r = ShapesInpaintTrainer.train(base, tmp.resolve("inpaint"), 2, 2, lr, 0, false);
        assertEquals(2, r.losses().size());
        assertTrue(r.losses().stream().allMatch(l -> Float.isFinite(l) && l > 0), r.losses().toString());
        try (StableDiffusionInpaintPipeline ip = StableDiffusionInpaintPipeline.load(r.folder(), Device.cpu(), DataType.FLOAT32);
             StableDiffusionPipeline sd = StableDiffusionPipeline.load(base, Device.cpu(), DataType.FLOAT32)) {
            assertTrue(ip.hasInpaintingUnet());
            NDArray w = ip.pipeline().unet().namedParameters().get("conv_in.weight");
            assertArrayEquals(new long[] {32, 9, 3, 3}, w.getShape().getShape());
            float[] extra = w.get(":, 4:, :, :").toFloatArray();
            float max = 0;
            for (float v : extra) {
                max = Math.max(max, Math.abs(v));
            }
            // zero at the start, then two Adam steps of at most about lr each (stored as fp16)
            assertTrue(max > 0 && max <= 2 * lr * 1.05, "extra channels: max |w| = " + max);
            float[] old = sd.unet().namedParameters().get("conv_in.weight").toFloatArray();
            float[] now = w.get(":, :4, :, :").toFloatArray();
            for (int i = 0; i < old.length; i++) {
                assertEquals(old[i], now[i], 2 * lr * 1.05 + 1e-3 * Math.abs(old[i]), "latent channel weight " + i);
            }
        }
    }
}
