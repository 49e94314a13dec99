package dev.diffusionlab.vae;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.TinyModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoencoderKLTest {
    @TempDir
    Path dir;

    @Test
    void shapesSampleAndRoundTrip() {
        try (AutoencoderKL vae = AutoencoderKL.random(TinyModels.vae(), Device.cpu(), DataType.FLOAT32, 3);
             NDManager m = Engines.newCpuManager()) {
            Engine.getInstance().setRandomSeed(1);
            NDArray x = m.randomUniform(-1f, 1f, new Shape(1, 3, 16, 24));
            int before = vae.weightsManager().getManagedArrays().size();
            DiagonalGaussian d = vae.encode(x);
            assertEquals(new Shape(1, 4, 8, 12), d.mean().getShape()); // two levels: one downsampler
            assertArrayEquals(d.logvar().mul(0.5).exp().toFloatArray(), d.std().toFloatArray(), 0f);
            NDArray noise = m.randomNormal(d.mean().getShape());
            assertArrayEquals(d.mean().add(d.std().mul(noise)).toFloatArray(), d.sample(noise).toFloatArray(), 0f);
            NDArray img = vae.decode(d.sample(noise));
            assertEquals(new Shape(1, 3, 16, 24), img.getShape());
            assertEquals(before, vae.weightsManager().getManagedArrays().size());
            assertEquals(0.18215, vae.scalingFactor(), 0);
            vae.save(dir.resolve("vae"));
            try (AutoencoderKL back = AutoencoderKL.fromPretrained(dir.resolve("vae"), Device.cpu(), DataType.FLOAT32)) {
                assertArrayEquals(img.toFloatArray(), back.decode(d.sample(noise)).toFloatArray(), 0f);
            }
        }
    }
}
