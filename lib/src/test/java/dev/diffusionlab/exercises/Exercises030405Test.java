package dev.diffusionlab.exercises;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.shapes.ShapesAnalyser;
import dev.diffusionlab.shapes.ShapesWorld;
import dev.diffusionlab.shapes.ShapesWorldV2;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checks of notebooks 03–05 accept the right answer and reject typical wrong ones, with a reason. */
class Exercises030405Test {
    static void rejects(Check c, String reasonPart) {
        assertFalse(c.ok(), c.toString());
        assertTrue(c.toString().startsWith("✘"), c.toString());
        assertTrue(c.message().contains(reasonPart), c.message());
        assertThrows(AssertionError.class, () -> Check.require(c));
    }

    static void accepts(Check c) {
        assertTrue(c.ok(), c.toString());
        assertSame(c, Check.require(c));
    }

    @Test
    void exercises03() {
        accepts(Exercises03.latentNumbers(512, 8, 16384));
        rejects(Exercises03.latentNumbers(512, 8, 3 * 64 * 64), "4 channels");
        rejects(Exercises03.latentNumbers(512, 8, 4L * 512 * 512), "full resolution");
        rejects(Exercises03.latentNumbers(512, 8, 12), "channels");
        accepts(Exercises03.guided(0.1, 0.3, 7.5, 0.1 + 7.5 * 0.2));
        rejects(Exercises03.guided(0.1, 0.3, 7.5, 0.3 + 7.5 * -0.2), "swapped");
        rejects(Exercises03.guided(0.1, 0.3, 7.5, 7.5 * 0.3), "alone");
        accepts(Exercises03.img2imgSteps(20, 0.6, 12));
        rejects(Exercises03.img2imgSteps(20, 0.6, 8), "skipped");
        rejects(Exercises03.img2imgSteps(20, 0.6, 20), "whole schedule");
        accepts(Exercises03.img2imgSteps(10, 0.35, 3));   // ⌊3.5⌋, as diffusers' int()
        rejects(Exercises03.img2imgSteps(10, 0.35, 4), "⌊steps × strength⌋");
    }

    @Test
    void exercises04() {
        accepts(Exercises04.probabilitiesPerLayer(8, 8, 32, 2, 8 * 8 * 32 * 2));
        rejects(Exercises04.probabilitiesPerLayer(8, 8, 32, 2, 8 * 8 * 32), "heads");
        rejects(Exercises04.probabilitiesPerLayer(8, 8, 32, 2, 8 * 8 * 2), "rows");
        double p = 0.2, f = 4;
        accepts(Exercises04.reweighted(p, f, 0.8 / 1.6));
        rejects(Exercises04.reweighted(p, f, 0.8), "renormalising");
        accepts(Exercises04.reweighted(p, 0, 0));
        float[] map = {0.1f, 0.7f, 0.05f, 0.15f};
        accepts(Exercises04.peakIndex(map, 1));
        rejects(Exercises04.peakIndex(map, 2), "minimum");
        rejects(Exercises04.peakIndex(map, 3), "largest");
    }

    @Test
    void exercises05() {
        boolean[] mask = new boolean[32 * 32];
        for (int i = 0; i < 100; i++) {
            mask[i] = true;
        }
        accepts(Exercises05.pointingChance(mask, 100 / 1024.0));
        rejects(Exercises05.pointingChance(mask, 100), "pixel count");
        rejects(Exercises05.pointingChance(mask, 0.5), "mask pixels");

        ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());
        ShapesAnalyser a = new ShapesAnalyser();
        // the world's own drawings score right; a caption with another colour scores wrong
        var s0 = world.sample(0, ShapesWorld.Split.TRAIN);
        var s1 = world.sample(1, ShapesWorld.Split.TRAIN);
        ShapesAnalyser.Score right = a.score(s0.image(), s0.caption());
        ShapesAnalyser.Score wrongColour = a.score(s0.image(), s0.caption().contains("red") ? s0.caption().replace("red", "green")
                : s0.caption().replaceFirst("(orange|yellow|green|blue|purple)", "red"));
        ShapesAnalyser.Score wrongPlace = a.score(s1.image(), s1.caption());
        assertTrue(right.colour() && right.all(), right.toString());
        assertFalse(wrongColour.colour());
        List<ShapesAnalyser.Score> scores = List.of(right, wrongColour);
        accepts(Exercises05.colourAccuracy(scores, 0.5));
        rejects(Exercises05.colourAccuracy(scores, 1.0), "colour() is true");
        rejects(Exercises05.colourAccuracy(List.of(), 0.0), "no scores");
        assertNotNull(wrongPlace);

        accepts(Exercises05.purpleTriangles(world, ShapesWorld.Split.TRAIN, 200, 0));
        rejects(Exercises05.purpleTriangles(world, ShapesWorld.Split.TRAIN, 200, 1), "purple triangle");
        accepts(Exercises05.purpleTriangles(world, ShapesWorld.Split.HELD_OUT, 20, 20));
        rejects(Exercises05.purpleTriangles(world, ShapesWorld.Split.HELD_OUT, 20, 0), "purple triangle");

        // the v2 world (a 64 px model): training and the held-out triple never draw one, the held-out pair always does
        ShapesWorldV2 v2 = new ShapesWorldV2(ShapesWorldV2.Config.defaults());
        accepts(Exercises05.purpleTriangles(v2, ShapesWorldV2.Split.TRAIN, 200, 0));
        rejects(Exercises05.purpleTriangles(v2, ShapesWorldV2.Split.TRAIN, 200, 1), "purple triangle");
        accepts(Exercises05.purpleTriangles(v2, ShapesWorldV2.Split.HELD_OUT_PAIR, 20, 20));
        rejects(Exercises05.purpleTriangles(v2, ShapesWorldV2.Split.HELD_OUT_PAIR, 20, 19), "purple triangle");
        accepts(Exercises05.purpleTriangles(v2, ShapesWorldV2.Split.HELD_OUT_TRIPLE, 20, 0));
        assertTrue(Exercises05.purpleTriangles(v2, ShapesWorldV2.Split.HELD_OUT_TRIPLE, 20, 0).message().contains("never draws it"));
    }
}
