package dev.diffusionlab.toy;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** Schedules, datasets, the loader and the metrics: closed forms and invariants. */
class ToyBasicsTest {

    @Test
    void schedulesAreCumulativeProductsAndEndInNoise() {
        for (String name : new String[] {"linear", "cosine"}) {
            ToySchedule s = ToySchedule.of(name, 100);
            double[] b = s.betas();
            double[] a = s.alphasCumprod();
            assertEquals(100, s.numTrainTimesteps());
            double p = 1;
            for (int t = 0; t < 100; t++) {
                p *= 1 - b[t];
                assertEquals(p, a[t], 1e-6 * p, "stage-1 tables are float32, as diffusers'");
                if (t > 0) {
                    assertTrue(a[t] < a[t - 1]);
                }
            }
            assertTrue(a[99] < 1e-3, name + " final abar " + a[99]);
            assertTrue(a[0] > 0.99, name + " first abar " + a[0]);
        }
        // linear: 1e-4..0.02 over 1000 steps scaled by 1000/T
        assertEquals(1e-3, ToySchedule.linear(100).betas()[0], 1e-10);
        assertEquals(0.2, ToySchedule.linear(100).betas()[99], 1e-8);
        // cosine: abar_t = f(t+1)/f(0) with f(t) = cos^2(((t/T) + s)/(1 + s) pi/2) while unclipped
        double f0 = Math.pow(Math.cos(0.008 / 1.008 * Math.PI / 2), 2);
        double f50 = Math.pow(Math.cos((50 / 100.0 + 0.008) / 1.008 * Math.PI / 2), 2);
        assertEquals(f50 / f0, ToySchedule.cosine(100).alphasCumprod()[49], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> ToySchedule.of("quadratic", 10));
    }

    @Test
    void datasetsAreSeededLabelledAndShaped() {
        for (String name : Datasets2D.NAMES) {
            Table a = Datasets2D.byName(name, 300, 7);
            Table b = Datasets2D.byName(name, 300, 7);
            Table c = Datasets2D.byName(name, 300, 8);
            assertEquals(List.of("x", "y", "label"), a.columnNames());
            assertEquals(300, a.rowCount());
            assertEquals(a.doubleColumn("x").get(17), b.doubleColumn("x").get(17), 0.0, name);
            assertNotEquals(a.doubleColumn("x").get(17), c.doubleColumn("x").get(17), name);
        }
        // circle: radius 1 with noise 0.03
        for (float[] p : Datasets2D.xy(Datasets2D.circle(500, 1))) {
            assertEquals(1, Math.hypot(p[0], p[1]), 0.15);
        }
        // clusters: five named blobs on a ring of radius 3
        Proximity p = Proximity.of(Datasets2D.clusters(5000, 1));
        assertEquals(Datasets2D.CLUSTER_NAMES, p.names());
        for (float[] c : p.centres()) {
            assertEquals(3, Math.hypot(c[0], c[1]), 0.05);
        }
        assertEquals(java.util.Set.of("outline", "eyes", "whiskers"), java.util.Set.copyOf(Proximity.of(Datasets2D.cat(2000, 1)).names()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets2D.byName("unicorns", 10, 1));
        assertTrue(e.getMessage().contains("unicorns") && e.getMessage().contains("moons"));
        assertThrows(IllegalArgumentException.class, () -> Datasets2D.moons(0, 1));
    }

    @Test
    void loaderReadsCsvAndTsvWithOptionalLabels(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("pts.csv");
        Files.writeString(csv, "id,x,y\n1,0.5,2\n2,1.5,-3\n3,7,8\n");
        Table t = Datasets2D.load(csv);
        assertEquals(3, t.rowCount());
        assertEquals(-3, t.doubleColumn("y").get(1), 0);
        assertEquals("data", t.stringColumn("label").get(0));
        Path tsv = dir.resolve("pts.tsv");
        Files.writeString(tsv, "x\ty\tlabel\n1\t2\ta\n3\t4\tb\n");
        Table u = Datasets2D.load(tsv);
        assertEquals("b", u.stringColumn("label").get(1));
        assertEquals(3, u.doubleColumn("x").get(1), 0);
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "a,b\n1,2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets2D.load(bad));
        assertTrue(e.getMessage().contains("bad.csv") && e.getMessage().contains("'x'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Datasets2D.load(dir.resolve("missing.csv")));
    }

    @Test
    void standardizerRoundTrips() {
        float[][] p = Datasets2D.xy(Datasets2D.spirals(400, 2));
        Standardizer s = Standardizer.fit(p);
        float[][] z = s.normalize(p);
        assertEquals(0, Standardizer.fit(z).meanX(), 1e-5);
        assertEquals(1, Standardizer.fit(z).stdY(), 1e-5);
        float[][] back = s.denormalize(z);
        assertArrayEquals(p[123], back[123], 1e-5f);
    }

    @Test
    void metricsMatchClosedForms() {
        float[][] a = Datasets2D.xy(Datasets2D.moons(1000, 3));
        assertEquals(0, PointMetrics.slicedWasserstein(a, a), 1e-12);
        assertEquals(0, PointMetrics.chamfer(a, a), 1e-12);
        // a shift by c: every projection moves by c.theta, and the mean of (c.theta)^2 over
        // directions in 2D is |c|^2 / 2, so SW2 = |c| / sqrt(2)
        float[][] b = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            b[i] = new float[] {a[i][0] + 3, a[i][1] + 4};
        }
        assertEquals(5 / Math.sqrt(2), PointMetrics.slicedWasserstein(a, b, 4000, 1), 0.05);
        // two single points at distance 2: Chamfer is 2
        assertEquals(2, PointMetrics.chamfer(new float[][] {{0, 0}}, new float[][] {{0, 2}}), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> PointMetrics.chamfer(new float[0][], a));
    }
}
