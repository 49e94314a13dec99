package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.shapes.ShapesSample.DrawnObject;
import dev.diffusionlab.shapes.ShapesWorld.Split;
import dev.diffusionlab.shapes.Vocab.Colour;
import dev.diffusionlab.shapes.Vocab.Position;
import dev.diffusionlab.shapes.Vocab.ShapeType;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The analyser reads clean world images (ground truth known) and scores captions. */
class ShapesAnalyserTest {
    private final ShapesAnalyser analyser = new ShapesAnalyser();

    static double[] accuracy(ShapesWorld world, ShapesAnalyser analyser, int n) {
        int objects = 0;
        int colour = 0;
        int shape = 0;
        int position = 0;
        int size = 0;
        int maskHits = 0;
        for (long i = 0; i < n; i++) {
            ShapesSample s = world.sample(i, i % 4 == 0 ? Split.HELD_OUT : Split.TRAIN);
            List<ShapesAnalyser.Blob> blobs = analyser.read(s.image());
            for (DrawnObject o : s.objects()) {
                objects++;
                ShapesAnalyser.Blob b = blobs.stream().filter(x -> x.colour() == o.spec().colour()).findFirst().orElse(null);
                if (b == null) {
                    continue;
                }
                colour++;
                shape += b.shape() == o.spec().shape() ? 1 : 0;
                position += b.position() == o.spec().position() ? 1 : 0;
                size += b.size() == o.actualSize() ? 1 : 0;
                maskHits += java.util.Arrays.equals(b.mask(), o.mask()) ? 1 : 0;
            }
        }
        return new double[] {colour / (double) objects, shape / (double) objects, position / (double) objects,
                size / (double) objects, maskHits / (double) objects};
    }

    @Test
    void readsCleanImagesAt32And64Pixels() {
        for (int side : new int[] {32, 64}) {
            double[] acc = accuracy(new ShapesWorld(ShapesWorld.Config.defaults().withSize(side)), analyser, 400);
            System.out.printf("analyser on clean %dx%d images: colour %.3f shape %.3f position %.3f size %.3f mask %.3f%n",
                    side, side, acc[0], acc[1], acc[2], acc[3], acc[4]);
            assertEquals(1.0, acc[0], 0.0, "colour");
            assertEquals(1.0, acc[4], 0.0, "blob masks equal the drawn masks");
            assertTrue(acc[1] >= 0.95, "shape accuracy " + acc[1]);
            assertEquals(1.0, acc[2], 0.0, "position");
            assertTrue(acc[3] >= 0.95, "size accuracy " + acc[3]);
        }
    }

    @Test
    void scoresCaptionsAgainstImages() {
        ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());
        ShapesSample s = world.render(List.of(new ObjectSpec(Colour.RED, ShapeType.SQUARE, Vocab.Size.LARGE, Position.LEFT),
                new ObjectSpec(Colour.BLUE, ShapeType.CIRCLE, null, Position.RIGHT)), new Random(1));
        ShapesAnalyser.Score ok = analyser.score(s.image(), s.caption());
        assertTrue(ok.all(), ok.toString());
        ShapesAnalyser.Score wrong = analyser.score(s.image(), "a red circle on the right and a green circle on the left");
        assertFalse(wrong.objects().get(0).shape());
        assertFalse(wrong.objects().get(0).position());
        assertTrue(wrong.objects().get(0).colour());
        assertFalse(wrong.objects().get(1).colour());
        assertFalse(wrong.all());
        ShapesAnalyser.Score extra = analyser.score(s.image(), "a large red square on the left");
        assertFalse(extra.count(), "a second blob is an extra object");
        assertTrue(extra.colour() && extra.shape() && extra.position());
        // a blank image has no objects
        BufferedImage blank = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        assertEquals(List.of(), analyser.read(blank), "black is no palette colour");
    }

    @Test
    void toleratesMildNoise() {
        ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());
        Random rnd = new Random(3);
        int objects = 0;
        int right = 0;
        for (long i = 0; i < 200; i++) {
            ShapesSample s = world.sample(i, Split.TRAIN);
            BufferedImage noisy = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int rgb = s.image().getRGB(x, y);
                    int r = clamp(((rgb >> 16) & 0xFF) + (int) (rnd.nextGaussian() * 20));
                    int g = clamp(((rgb >> 8) & 0xFF) + (int) (rnd.nextGaussian() * 20));
                    int b = clamp((rgb & 0xFF) + (int) (rnd.nextGaussian() * 20));
                    noisy.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            ShapesAnalyser.Score sc = analyser.score(noisy, s.caption());
            for (ShapesAnalyser.ObjectScore o : sc.objects()) {
                objects++;
                right += o.colour() && o.shape() && o.position() ? 1 : 0;
            }
        }
        System.out.printf("analyser with N(0, 20²) pixel noise: %d/%d objects fully right%n", right, objects);
        assertTrue(right >= 0.9 * objects, right + "/" + objects);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
