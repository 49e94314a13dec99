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
import org.junit.jupiter.api.Test;

/** Tiled VAE decode/encode with diffusers' tile loop and seam blending (AutoencoderKL.tiled_decode / tiled_encode). */
class VaeTilingTest {
    /** f maps each input pixel to a 2×2 block of 3·x + 1: position-wise, so overlapping tiles agree. */
    private static NDArray upsample(NDArray t) {
        NDArray y = t.mul(3).add(1);
        Shape s = y.getShape();
        // (B, C, h, w) -> (B, C, h, 1, w, 1) -> (B, C, h, 2, w, 2) -> (B, C, 2h, 2w)
        return y.reshape(s.get(0), s.get(1), s.get(2), 1, s.get(3), 1).broadcast(s.get(0), s.get(1), s.get(2), 2, s.get(3), 2)
                .reshape(s.get(0), s.get(1), 2 * s.get(2), 2 * s.get(3));
    }

    @Test
    void positionWiseMapIsReproducedAcrossTilesAndSeams() {
        try (NDManager m = Engines.newCpuManager()) {
            Engine.getInstance().setRandomSeed(3);
            NDArray x = m.randomNormal(new Shape(2, 3, 10, 13));
            // tiles of 4 every int(4·0.75) = 3 input pixels, blend int(8·0.25) = 2, keep 6 output pixels per tile
            NDArray tiled = VaeTiling.tiled(x, 4, 8, 0.25, VaeTilingTest::upsample);
            NDArray whole = upsample(x);
            assertEquals(whole.getShape(), tiled.getShape());
            assertTrue(whole.sub(tiled).abs().max().getFloat() <= 1e-6f);
        }
    }

    @Test
    void seamsBlendLinearlyInDiffusersOrder() {
        try (NDManager m = Engines.newCpuManager()) {
            // input 1×1×6×6, tiles of 4 every 3 -> a 2×2 grid; f paints each 4×4 output tile with its tile's first input value
            float[] in = new float[36];
            in[0] = 1; // tile (0,0)
            in[3] = 2; // tile (0,1) starts at column 3
            in[18] = 3; // tile (1,0) starts at row 3
            in[21] = 4; // tile (1,1)
            NDArray x = m.create(in, new Shape(1, 1, 6, 6));
            NDArray y = VaeTiling.tiled(x, 4, 4, 0.25, t -> t.get(":, :, 0:1, 0:1").broadcast(t.getShape()).duplicate());
            // blend 1 pixel, keep 3 per full tile: out rows = 3 + min(3, 3) = 6, cols likewise
            assertEquals(new Shape(1, 1, 6, 6), y.getShape());
            float[] v = y.toFloatArray();
            // ramp weight of the earlier tile is 1 − y/extent: with extent 1 a seam row/column takes the earlier tile's edge
            assertEquals(1f, v[0], 0f);
            assertEquals(1f, v[3], 0f); // (0, 3): tile (0,1)'s first column <- tile (0,0)'s last
            assertEquals(1f, v[3 * 6], 0f); // (3, 0): tile (1,0)'s first row <- tile (0,0)'s last
            assertEquals(1f, v[3 * 6 + 3], 0f); // corner: (1,1) <- (0,1) blended before <- (0,0)
            assertEquals(2f, v[4], 0f);
            assertEquals(3f, v[4 * 6], 0f);
            assertEquals(4f, v[4 * 6 + 4], 0f);
            assertEquals(2f, v[3 * 6 + 4], 0f); // (1,1)'s first row <- (0,1)'s last row
            assertEquals(3f, v[4 * 6 + 3], 0f); // (1,1)'s first column <- (1,0)'s last column
            // outputs twice the input (blend extent int(8·0.25) = 2, keep 6): ramp weights (1, 0) then (0.5, 0.5)
            NDArray y2 = VaeTiling.tiled(x, 4, 8, 0.25, t -> {
                NDArray c = t.get(":, :, 0:1, 0:1");
                Shape s = t.getShape();
                return c.broadcast(s.get(0), s.get(1), 2 * s.get(2), 2 * s.get(3)).duplicate();
            });
            assertEquals(new Shape(1, 1, 12, 12), y2.getShape());
            float[] w = y2.toFloatArray();
            int cols = 12;
            assertEquals(1f, w[6], 0f);
            assertEquals(1.5f, w[7], 1e-6f);
            assertEquals(1f, w[6 * cols], 0f);
            assertEquals(2f, w[7 * cols], 1e-6f);
            assertEquals(1.25f, w[6 * cols + 7], 1e-6f);
            // the corner shows diffusers' in-place order: (1,1) is blended with the already blended (0,1), then with
            // the already blended (1,0): 0.5·2 + 0.5·(0.5·1.5 + 0.5·4) = 2.375 (2.5 or 2.875 with unblended neighbours)
            assertEquals(2.375f, w[7 * cols + 7], 1e-6f);
            assertEquals(4f, w[8 * cols + 8], 0f);
        }
    }

    @Test
    void vaeTilingIsExactWithOneTileAndCloseWhenForcedSmall() {
        try (AutoencoderKL vae = AutoencoderKL.random(TinyModels.vae(), Device.cpu(), DataType.FLOAT32, 3);
             NDManager m = Engines.newCpuManager()) {
            Engine.getInstance().setRandomSeed(11);
            assertEquals(16, vae.tileSampleMinSize()); // the config's sample_size
            assertEquals(8, vae.tileLatentMinSize());
            NDArray z = m.randomNormal(new Shape(1, 4, 8, 8));
            NDArray img = m.randomUniform(-1f, 1f, new Shape(1, 3, 16, 16));
            float[] dec = vae.decode(z).toFloatArray();
            float[] enc = vae.encode(img).mean().toFloatArray();
            vae.enableTiling();
            // (a) the image fits one tile: tiling is not used, the numbers are identical
            assertArrayEquals(dec, vae.decode(z).toFloatArray(), 0f);
            assertArrayEquals(enc, vae.encode(img).mean().toFloatArray(), 0f);
            // (b) forced small tiles: same shapes, finite, and close to the untiled result (each tile's group norms see
            // only the tile, so diffusers' tiled output differs from the untiled one too)
            vae.setTileSampleMinSize(8);
            NDArray tiled = vae.decode(z);
            assertEquals(new Shape(1, 3, 16, 16), tiled.getShape());
            assertCorrelated(dec, tiled.toFloatArray(), 0.5);
            NDArray tiledEnc = vae.encode(img).mean();
            assertEquals(new Shape(1, 4, 8, 8), tiledEnc.getShape());
            assertCorrelated(enc, tiledEnc.toFloatArray(), 0.5);
            vae.disableTiling();
            assertArrayEquals(dec, vae.decode(z).toFloatArray(), 0f);
            assertThrows(IllegalArgumentException.class, () -> vae.setTileSampleMinSize(13)); // not a multiple of the scale factor 2
        }
    }

    private static void assertCorrelated(float[] a, float[] b, double min) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            assertTrue(Float.isFinite(b[i]));
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        double r = sab / Math.sqrt(saa * sbb);
        assertTrue(r >= min, "correlation of tiled and untiled output " + r);
    }
}
