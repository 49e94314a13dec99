package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The attention metrics on hand-made maps with known answers. */
class ShapesEvalTest {
    private static boolean[] mask(int n, int... on) {
        boolean[] m = new boolean[n];
        for (int i : on) {
            m[i] = true;
        }
        return m;
    }

    @Test
    void pointingGameLooksOnlyAtTheMaximum() {
        float[] map = {0.1f, 0.9f, 0.3f, 0.2f};
        assertTrue(ShapesEval.pointing(map, mask(4, 1)));
        assertFalse(ShapesEval.pointing(map, mask(4, 0, 2, 3)));
        // ties go to the first maximum
        assertTrue(ShapesEval.pointing(new float[] {0.5f, 0.5f}, mask(2, 0)));
        assertFalse(ShapesEval.pointing(new float[] {0.5f, 0.5f}, mask(2, 1)));
    }

    @Test
    void topKIouMatchesHandCounts() {
        float[] map = {0.9f, 0.8f, 0.1f, 0.0f, 0.7f, 0.2f};
        assertEquals(1.0, ShapesEval.topKIou(map, mask(6, 0, 1)), 0.0);            // top-2 = {0, 1}
        assertEquals(0.0, ShapesEval.topKIou(map, mask(6, 2, 3)), 0.0);            // top-2 = {0, 1}: disjoint
        assertEquals(2.0 / 4.0, ShapesEval.topKIou(map, mask(6, 0, 4, 5)), 1e-12); // top-3 = {0, 1, 4}: ∩ 2, ∪ 4
        assertEquals(0.0, ShapesEval.topKIou(map, mask(6)), 0.0);
        assertThrows(IllegalArgumentException.class, () -> ShapesEval.topKIou(map, mask(5, 0)));
    }

    @Test
    void maskImageIsWhiteExactlyOnTheMask() {
        java.awt.image.BufferedImage img = ShapesSample.maskImage(mask(6, 1, 5), 3);
        assertEquals(3, img.getWidth());
        assertEquals(2, img.getHeight());
        assertEquals(0xFFFFFF, img.getRGB(1, 0) & 0xFFFFFF);
        assertEquals(0xFFFFFF, img.getRGB(2, 1) & 0xFFFFFF);
        assertEquals(0, img.getRGB(0, 0) & 0xFFFFFF);
        assertThrows(IllegalArgumentException.class, () -> ShapesSample.maskImage(mask(5), 3));
    }

    @Test
    void evalCaptionsComeFromTheirSplit() {
        ShapesWorld w = new ShapesWorld(ShapesWorld.Config.defaults());
        for (ShapesSample s : ShapesEval.captions(w, ShapesWorld.Split.HELD_OUT, 20)) {
            assertTrue(s.caption().contains("purple triangle"), s.caption());
        }
        for (ShapesSample s : ShapesEval.captions(w, ShapesWorld.Split.TRAIN, 20)) {
            assertFalse(s.caption().contains("purple triangle"), s.caption());
        }
        assertEquals(ShapesEval.captions(w, ShapesWorld.Split.TRAIN, 5).get(3).caption(),
                ShapesEval.captions(w, ShapesWorld.Split.TRAIN, 9).get(3).caption(), "captions are fixed by their index");
    }
}
