package dev.diffusionlab.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.attention.AttentionCapture;
import dev.diffusionlab.attention.AttentionRun;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.shapes.MakeItYours;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mask preprocessing by closed forms, and the inpainting pipeline's invariants on the shipped shapes-world model. */
class InpaintPipelineTest {
    static final Path MODEL = Paths.home().resolve(DefaultModel.SHAPES_RELATIVE);

    @Test
    void nearestResizeReadsFloorOfScaledIndex() {
        try (NDManager m = Engines.newCpuManager()) {
            float[] v = new float[48 * 80];
            for (int i = 0; i < v.length; i++) {
                v[i] = i;
            }
            NDArray x = m.create(v, new Shape(1, 1, 48, 80));
            float[] r = MaskProcessor.resizeNearest(x, 128, 128).toFloatArray();
            for (int i : new int[] {0, 1, 7, 50, 127}) {
                for (int j : new int[] {0, 3, 64, 127}) {
                    int si = (int) Math.floor(i * (48f / 128));
                    int sj = (int) Math.floor(j * (80f / 128));
                    assertEquals(si * 80 + sj, r[i * 128 + j], "(" + i + ", " + j + ")");
                }
            }
        }
    }

    @Test
    void maskIsBinarisedAtHalfAndSampledAtBlockCorners() {
        try (NDManager m = Engines.newCpuManager()) {
            int s = 16;
            float[] mask = new float[s * s];
            float[] img = new float[3 * s * s];
            for (int i = 0; i < mask.length; i++) {
                int y = i / s;
                int x = i % s;
                mask[i] = x == 4 ? 0.5f : x == 5 ? 0.4999f : x >= 8 ? 1f : 0f;
                img[i] = 0.25f;
                img[s * s + i] = 1f;
                img[2 * s * s + i] = 0f;
                if (y == 0 && x == 9) {
                    mask[i] = 0.3f; // the block (0, 2) corner pixel (0, 8) stays 1; a non-corner pixel is ignored by the latent mask
                }
            }
            MaskProcessor.Prepared p = MaskProcessor.prepare(m.create(img, new Shape(1, 3, s, s)), m.create(mask, new Shape(1, 1, s, s)),
                    s, s, 4);
            float[] cond = p.maskCondition().toFloatArray();
            assertEquals(1f, cond[4], "exactly 0.5 becomes 1");
            assertEquals(0f, cond[5], "just under 0.5 becomes 0");
            assertEquals(0f, cond[9], "0.3 becomes 0");
            float[] masked = p.maskedImage().toFloatArray();
            assertEquals(0f, masked[4], 0f, "the repainted area is 0 (mid grey), not -1");
            assertEquals(-0.5f, masked[0], 1e-7, "the kept area is 2x - 1");
            assertEquals(1f, masked[s * s + 0], 1e-7);
            float[] lat = p.maskLatent().toFloatArray(); // (1,1,4,4): pixel (4i, 4j)
            assertArrayEquals(new float[] {0, 1, 1, 1}, new float[] {lat[0], lat[1], lat[2], lat[3]}, "row 0 reads columns 0, 4, 8, 12");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MaskProcessor.prepare(
                    m.create(img, new Shape(1, 3, s, s)), m.zeros(new Shape(1, 3, s, s)), s, s, 4));
            assertTrue(e.getMessage().contains("mask must have one channel"), e.getMessage());
        }
    }

    @Test
    void blendingKeepsTheImageLatentsOutsideTheMaskAndHooksWork() {
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(MODEL, Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newCpuManager()) {
            StableDiffusionInpaintPipeline ip = StableDiffusionInpaintPipeline.of(sd);
            assertFalse(ip.hasInpaintingUnet());
            MakeItYours.Scene scene = MakeItYours.scene(3);
            List<Integer> seen = new ArrayList<>();
            GenerationRequest r = GenerationRequest.of(scene.caption()).initImage(scene.original().image(), 1.0).mask(scene.mask())
                    .steps(6).guidance(3).seed(2).scheduler("ddim").callback(st -> seen.add(st.index()) || true);
            StableDiffusionInpaintPipeline.Trace trace = StableDiffusionInpaintPipeline.Trace.keepSteps();
            StableDiffusionPipeline.Result res = ip.generate(r, m, trace);
            assertEquals(List.of(0, 1, 2, 3, 4, 5), seen);
            float[] fin = res.latents().toFloatArray();
            float[] img = trace.imageLatents().toFloatArray();
            float[] mask = trace.maskLatent().toFloatArray();
            int hw = mask.length;
            int kept = 0;
            for (int c = 0; c < 4; c++) {
                for (int i = 0; i < hw; i++) {
                    if (mask[i] == 0) {
                        assertEquals(img[c * hw + i], fin[c * hw + i], "kept latent (" + c + ", " + i + ") must be the image's exactly");
                        kept++;
                    }
                }
            }
            assertTrue(kept > 0 && kept < 4 * hw, "mask covers part of the latent grid: " + kept);
            assertEquals(6, trace.initLatentsProper().size());
            // attention capture through the same runner as txt2img
            try (AttentionCapture cap = AttentionCapture.builder().build()) {
                GenerationRequest r2 = GenerationRequest.of(scene.caption()).initImage(scene.original().image(), 1.0).mask(scene.mask())
                        .steps(3).guidance(3).seed(2);
                AttentionRun.generate(sd, r2, () -> ip.generate(r2, m), cap);
                assertFalse(cap.maps().levels().isEmpty(), "no attention captured");
            }
        }
    }

    @Test
    void overlayPastesTheInputBackOutsideTheMaskOnly() {
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(MODEL, Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newCpuManager()) {
            StableDiffusionInpaintPipeline ip = StableDiffusionInpaintPipeline.of(sd);
            MakeItYours.Scene scene = MakeItYours.scene(5);
            BufferedImage in = scene.original().image();
            GenerationRequest plain = GenerationRequest.of(scene.caption()).initImage(in, 1.0).mask(scene.mask()).steps(4).guidance(3).seed(1);
            BufferedImage a = ip.generate(plain, m).images().get(0);
            BufferedImage b = ip.generate(plain.overlay(true), m).images().get(0);
            boolean[] mask = scene.maskPixels();
            int w = in.getWidth();
            int changedOutside = 0;
            for (int i = 0; i < mask.length; i++) {
                int x = i % w;
                int y = i / w;
                if (mask[i]) {
                    assertEquals(a.getRGB(x, y), b.getRGB(x, y), "inside the mask the overlay keeps the generated pixel (" + x + ", " + y + ")");
                } else {
                    assertEquals(in.getRGB(x, y), b.getRGB(x, y), "outside the mask the overlay is the input (" + x + ", " + y + ")");
                    changedOutside += a.getRGB(x, y) != in.getRGB(x, y) ? 1 : 0;
                }
            }
            assertTrue(changedOutside > 0, "without the overlay the VAE round trip changes pixels outside the mask");
        }
    }

    @Test
    void scenesOfTheV2WorldAre64PixelsAndReadByItsAnalyser() {
        MakeItYours.Scene s = MakeItYours.scene(3, 64);
        assertEquals(64, s.original().image().getWidth());
        assertEquals(64 * 64, s.maskPixels().length);
        // said in the v2 world's order, the one its model was trained on
        assertEquals(s.original().caption(), dev.diffusionlab.shapes.ShapesWorlds.caption(64, List.of(s.replaced(), s.kept())));
        var score = dev.diffusionlab.shapes.ShapesReader.of(s.original().image()).score(s.original().image(), s.original().caption());
        assertTrue(score.all(), "the v2 analyser reads the v2 scene it was drawn from: " + s.original().caption());
        assertTrue(dev.diffusionlab.shapes.ShapesReader.of(s.original().image()) instanceof dev.diffusionlab.shapes.ShapesAnalyserV2);
        // the repainted half is exactly the replaced object's half
        for (boolean[] objMask : List.of(s.original().objects().get(0).mask())) {
            for (int i = 0; i < objMask.length; i++) {
                if (objMask[i]) {
                    assertTrue(s.maskPixels()[i], "object 0 lies in the masked half");
                }
            }
        }
    }

    @Test
    void badMasksAreRefusedWithOneMessage() {
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(MODEL, Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newCpuManager()) {
            StableDiffusionInpaintPipeline ip = StableDiffusionInpaintPipeline.of(sd);
            BufferedImage img = MakeItYours.scene(0).original().image();
            BufferedImage small = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ip.generate(GenerationRequest.of("a red circle on the left").initImage(img, 1.0).mask(small).steps(2), m));
            assertTrue(e.getMessage().contains("mask is 16×16 pixels but the init image is 32×32"), e.getMessage());
            BufferedImage colour = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            colour.setRGB(3, 4, 0xFF0000);
            e = assertThrows(IllegalArgumentException.class,
                    () -> ip.generate(GenerationRequest.of("a red circle on the left").initImage(img, 1.0).mask(colour).steps(2), m));
            assertTrue(e.getMessage().contains("black and white") && e.getMessage().contains("(3, 4)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> ip.generate(GenerationRequest.of("a red circle on the left").initImage(img, 1.0).steps(2), m));
            assertTrue(e.getMessage().contains("needs a mask"), e.getMessage());
        }
    }
}
