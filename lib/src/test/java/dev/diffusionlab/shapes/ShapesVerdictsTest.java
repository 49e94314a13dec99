package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** The notebooks' exam: verdicts of the world's own drawings are right, blank pictures fail the targets. */
class ShapesVerdictsTest {
    @Test
    void worldDrawingsPassBlankPicturesFail() {
        ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());
        ShapesVerdicts good = new ShapesVerdicts();
        for (int i = 0; i < 10; i++) {
            ShapesSample s = world.sample(i, ShapesWorld.Split.TRAIN);
            assertEquals("ok", good.label(s.image(), s.caption()), s.caption());
        }
        assertEquals(1.0, good.colour());
        assertTrue(good.requireTargets("test").contains("meets"));

        ShapesVerdicts bad = new ShapesVerdicts();
        assertThrows(IllegalStateException.class, () -> bad.requireTargets("test"));   // nothing counted
        BufferedImage blank = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        ShapesSample s = world.sample(0, ShapesWorld.Split.TRAIN);
        assertEquals("ok", bad.label(s.image(), s.caption()));
        assertTrue(bad.label(blank, s.caption()).startsWith("x col"));
        assertTrue(bad.peek(blank, s.caption()).startsWith("x"));
        assertEquals(2, bad.count());                       // peek is not counted
        assertEquals(0.5, bad.colour());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> bad.requireTargets("03"));
        assertTrue(e.getMessage().contains("notebook 03") && e.getMessage().contains("0.500"), e.getMessage());
    }
}
