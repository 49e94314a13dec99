package dev.diffusionlab.space;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Gaussian;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageSpaceTest {
    @Test
    void distancesAndNeighbours() {
        try (NDManager m = Engines.newCpuManager()) {
            NDArray a = m.zeros(new Shape(3, 4, 4));
            assertEquals(48, ImageSpace.dimension(a));
            assertEquals(new Shape(48), ImageSpace.flatten(a).getShape());
            NDArray b = m.ones(new Shape(3, 4, 4)).mul(0.5f);
            assertEquals(Math.sqrt(48 * 0.25), ImageSpace.l2(a, b), 1e-6);
            NDArray c = m.ones(new Shape(3, 4, 4));
            assertEquals(1.0, ImageSpace.cosine(b, c), 1e-6);
            assertEquals(-1.0, ImageSpace.cosine(b, c.neg()), 1e-6);
            NDArray set = ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(c, a, b)); // (3, 3, 4, 4)
            assertEquals(new Shape(3, 48), ImageSpace.flatten(set).getShape());
            List<ImageSpace.Neighbour> nn = ImageSpace.nearest(m.ones(new Shape(3, 4, 4)).mul(0.4f), set, 2);
            assertEquals(2, nn.get(0).index());
            assertEquals(1, nn.get(1).index());
            assertEquals(Math.sqrt(48 * 0.01), nn.get(0).distance(), 1e-5);
            double[] nod = ImageSpace.nearestOtherDistances(set); // c, a, b: 1, 0, 0.5 everywhere
            assertEquals(Math.sqrt(48 * 0.25), nod[0], 1e-6);
            assertEquals(Math.sqrt(48 * 0.25), nod[1], 1e-6);
            assertEquals(Math.sqrt(48 * 0.25), nod[2], 1e-6);
            assertThrows(IllegalArgumentException.class, () -> ImageSpace.l2(a, m.zeros(new Shape(3, 4, 5))));
            assertThrows(IllegalArgumentException.class, () -> ImageSpace.distances(a, m.zeros(new Shape(2, 3, 4, 5))));
        }
    }

    @Test
    void onePixelChangedIsATinyStep() {
        try (NDManager m = Engines.newCpuManager()) {
            NDArray x = m.zeros(new Shape(3, 8, 8));
            NDArray y = ImageSpace.withPixel(x, 2, 5, 1f, -1f, 0.5f);
            assertEquals(Math.sqrt(1 + 1 + 0.25), ImageSpace.l2(x, y), 1e-6);
            assertEquals(-1f, y.getFloat(1, 2, 5), 0f);
            assertEquals(0f, x.getFloat(1, 2, 5), 0f, "the original is unchanged");
            assertThrows(IllegalArgumentException.class, () -> ImageSpace.withPixel(x, 8, 0, 0f, 0f, 0f));
        }
    }

    @Test
    void interpolationMidpointIsHalfWay() {
        try (NDManager m = Engines.newCpuManager()) {
            NDArray a = Gaussian.noise(m, new Shape(3, 8, 8), 1);
            NDArray b = Gaussian.noise(m, new Shape(3, 8, 8), 2);
            NDArray mid = ImageSpace.lerp(a, b, 0.5);
            double d = ImageSpace.l2(a, b);
            assertEquals(d / 2, ImageSpace.l2(mid, a), 1e-4);
            assertEquals(d / 2, ImageSpace.l2(mid, b), 1e-4);
            NDArray path = ImageSpace.lerpPath(a, b, 5);
            assertEquals(new Shape(5, 3, 8, 8), path.getShape());
            assertTrue(path.get(0).allClose(a, 1e-6, 1e-6, false));
            assertTrue(path.get(4).allClose(b, 1e-6, 1e-6, false));
            assertTrue(path.get(2).allClose(mid, 1e-6, 1e-6, false));
        }
    }

    @Test
    void pcaFindsTheKnownAxes() {
        try (NDManager m = Engines.newCpuManager()) {
            // 200 points in 50 dims: variance 9 along axis 3, 4 along axis 7, 0.01 elsewhere.
            java.util.Random r = new java.util.Random(3);
            float[] v = new float[200 * 50];
            for (int i = 0; i < 200; i++) {
                for (int j = 0; j < 50; j++) {
                    double sd = j == 3 ? 3 : j == 7 ? 2 : 0.1;
                    v[i * 50 + j] = (float) (r.nextGaussian() * sd + 5);
                }
            }
            NDArray pts = m.create(v, new Shape(200, 50));
            Pca pca = Pca.fit(pts, 2);
            assertEquals(1.0, Math.abs(pca.component(0)[3]), 0.01);
            assertEquals(1.0, Math.abs(pca.component(1)[7]), 0.01);
            double[] ev = pca.explainedVarianceRatio();
            assertEquals(9.0 / (9 + 4 + 48 * 0.01), ev[0], 0.05);
            double[][] xy = pca.project(pts);
            double var0 = 0;
            for (double[] p : xy) {
                var0 += p[0] * p[0];
            }
            assertEquals(9.0, var0 / 200, 1.5);
            assertThrows(IllegalArgumentException.class, () -> pca.project(m.zeros(new Shape(2, 49))));
        }
    }

    @Test
    void mixedSetGroupsAndClusters() {
        try (NDManager m = Engines.newCpuManager()) {
            MixedSet set = MixedSet.build(m, 16, new int[] {1, 8}, 5, 2, 4, 42);
            assertEquals(4 + 8 + 10 + 4, set.images().getShape().get(0));
            assertEquals(new Shape(4, 3, 16, 16), set.group(MixedSet.RANDOM).getShape());
            // a perturbed photo is nearer its own photo than any other photo
            NDArray photos = set.group(MixedSet.PHOTOS);
            NDArray pert = set.group(MixedSet.PERTURBED);
            for (int i = 0; i < 8; i++) {
                assertEquals(i / 2, ImageSpace.nearest(pert.get(i), photos, 1).get(0).index());
            }
            assertThrows(IllegalArgumentException.class, () -> set.group("bananas"));
        }
    }
}
