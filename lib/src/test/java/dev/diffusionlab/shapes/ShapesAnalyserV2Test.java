package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.shapes.ShapesSample.DrawnObject;
import dev.diffusionlab.shapes.ShapesWorldV2.Split;
import java.awt.image.BufferedImage;
import java.awt.image.ConvolveOp;
import java.awt.image.Kernel;
import org.junit.jupiter.api.Test;

/** The v2 reader gets every clean v2 picture right, and stays right on slightly blurred ones. */
class ShapesAnalyserV2Test {
    private final ShapesWorldV2 world = new ShapesWorldV2(ShapesWorldV2.Config.defaults());
    private final ShapesAnalyserV2 analyser = new ShapesAnalyserV2();

    @Test
    void readsEveryCleanPictureRight() {
        int n = 0;
        for (int i = 0; i < 600; i++) {
            ShapesSample s = world.sample(i, Split.values()[i % 3]);
            ShapesAnalyser.Score sc = analyser.score(s.image(), s.caption());
            assertTrue(sc.all(), "clean picture " + i + " misread: " + s.caption() + " -> " + sc.objects().stream()
                    .map(o -> o.blob() == null ? "none" : o.blob().colour() + " " + o.blob().shape() + " " + o.blob().size() + " "
                            + o.blob().position() + " fill " + o.blob().fill()).toList());
            // the size word is read right even where the caption does not say it
            for (int k = 0; k < s.objects().size(); k++) {
                DrawnObject o = s.objects().get(k);
                ShapesAnalyser.Blob b = sc.objects().get(k).blob();
                assertEquals(o.actualSize(), b.size(), s.caption());
                assertTrue(iou(o.mask(), b.mask()) >= 0.97, s.caption() + ": blob vs mask IoU " + iou(o.mask(), b.mask()));
                n++;
            }
        }
        assertTrue(n > 1000);
    }

    @Test
    void slightlyBlurredPicturesAreStillReadRight() {
        float[] k = new float[9];
        java.util.Arrays.fill(k, 1f / 9);
        ConvolveOp blur = new ConvolveOp(new Kernel(3, 3, k), ConvolveOp.EDGE_NO_OP, null);
        int right = 0;
        int total = 300;
        for (int i = 0; i < total; i++) {
            ShapesSample s = world.sample(i, Split.values()[i % 3]);
            BufferedImage b = blur.filter(s.image(), null);
            ShapesAnalyser.Score sc = analyser.score(b, s.caption());
            right += sc.all() ? 1 : 0;
        }
        System.out.println("v2 analyser on 3×3 box-blurred pictures: " + right + "/" + total + " whole captions right");
        assertEquals(total, right, "blurred pictures misread");
    }

    @Test
    void emptyPictureHasNoObjects() {
        BufferedImage blank = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = blank.createGraphics();
        g.setColor(Vocab.BACKGROUND);
        g.fillRect(0, 0, 64, 64);
        g.dispose();
        ShapesAnalyser.Score sc = analyser.score(blank, "a red circle on the left");
        assertFalse(sc.colour());
        assertFalse(sc.count());
        assertTrue(analyser.read(blank).isEmpty());
    }

    static double iou(boolean[] a, boolean[] b) {
        int i = 0;
        int u = 0;
        for (int p = 0; p < a.length; p++) {
            i += a[p] && b[p] ? 1 : 0;
            u += a[p] || b[p] ? 1 : 0;
        }
        return u == 0 ? 1 : i / (double) u;
    }
}
