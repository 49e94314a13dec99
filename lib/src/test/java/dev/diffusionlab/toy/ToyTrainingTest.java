package dev.diffusionlab.toy;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** Training cuts the sample-to-data distance far below the untrained baseline (fixed seeds, quick settings). */
class ToyTrainingTest {
    static final ToyTrainer.Config QUICK = ToyTrainer.Config.quick().withProgress(false);
    static Table moons;
    static ToyTrainer.Result moonsResult;

    @BeforeAll
    static void trainMoons() {
        moons = Datasets2D.moons(2000, 0);
        moonsResult = ToyTrainer.train(moons, QUICK);
    }

    @AfterAll
    static void close() {
        moonsResult.model().close();
    }

    /** SWD (standardised units) of trained samples, untrained samples, and plain N(0, I) noise. */
    static double[] distances(Table data, ToyTrainer.Result r, ToyTrainer.Config cfg, int n) {
        float[][] x = r.model().standardizer().normalize(Datasets2D.xy(data));
        double trained = PointMetrics.slicedWasserstein(
                ToySampler.sample(r.model(), ToySampler.Kind.DDPM, n, 100, 1, null, 0).end(), x);
        double untrained;
        try (ToyModel base = ToyTrainer.untrained(data, cfg)) {
            untrained = PointMetrics.slicedWasserstein(ToySampler.sample(base, ToySampler.Kind.DDPM, n, 100, 1, null, 0).end(), x);
        }
        double noise = PointMetrics.slicedWasserstein(ToySampler.noise(n, 1), x);
        System.out.printf("%s: SWD trained %.4f, untrained %.4f, noise %.4f, chamfer trained %.4f%n", data.name(), trained,
                untrained, noise, PointMetrics.chamfer(ToySampler.sample(r.model(), ToySampler.Kind.DDPM, n, 100, 1, null, 0).end(), x));
        return new double[] {trained, untrained, noise};
    }

    @Test
    void trainingOnMoonsBeatsTheUntrainedBaseline() {
        double[] d = distances(moons, moonsResult, QUICK, 1000);
        assertTrue(d[0] < 0.05 * d[1], "trained " + d[0] + " vs untrained " + d[1]);
        assertTrue(d[0] < 0.5 * d[2], "trained " + d[0] + " vs N(0,I) noise " + d[2]);
        Table loss = moonsResult.loss();
        assertEquals(QUICK.steps(), loss.rowCount());
        double first = loss.doubleColumn("ema").get(0);
        double last = loss.doubleColumn("ema").get(loss.rowCount() - 1);
        assertTrue(last < 0.5 * first, "loss should fall: " + first + " -> " + last);
    }

    @Test
    void trainingOnTheDatasaurusDinoBeatsTheUntrainedBaseline() {
        Optional<Table> dino = Datasets2D.dino();
        assumeTrue(dino.isPresent(), "Datasaurus dino not found: ../shared/data/c-points/DatasaurusDozen-Long.tsv is absent");
        ToyTrainer.Config cfg = QUICK.withConditional(false);
        ToyTrainer.Result r = ToyTrainer.train(dino.get(), cfg);
        try (ToyModel m = r.model()) {
            double[] d = distances(dino.get(), r, cfg, 1000);
            assertTrue(d[0] < 0.05 * d[1], "trained " + d[0] + " vs untrained " + d[1]);
            assertTrue(d[0] < 0.5 * d[2], "trained " + d[0] + " vs N(0,I) noise " + d[2]);
        }
    }

    @Test
    void guidedSamplesLandInTheRequestedCluster() {
        Table data = Datasets2D.clusters(2000, 0);
        ToyTrainer.Result r = ToyTrainer.train(data, QUICK);
        try (ToyModel m = r.model()) {
            Proximity p = Proximity.of(data);
            for (String label : new String[] {"cat", "banana"}) {
                Trajectories guided = ToySampler.sample(m, ToySampler.Kind.DDPM, 500, 100, 3, label, 3.0);
                double hit = p.hitRate(guided, label);
                System.out.printf("guided to %s at scale 3: hit rate %.3f%n", label, hit);
                assertTrue(hit >= 0.95, label + " hit rate " + hit);
            }
            Trajectories free = ToySampler.sample(m, ToySampler.Kind.DDIM, 500, 50, 3, null, 0);
            double catShare = p.hitRate(free, "cat");
            System.out.printf("unguided: cat share %.3f, start-nearest = end agreement %.3f%n", catShare, p.agreement(free));
            // unguided samples spread over all five clusters (chance level 0.2)
            assertTrue(catShare > 0.1 && catShare < 0.3, "unguided cat share " + catShare);
            Table conf = p.confusion(free);
            assertEquals(5, conf.rowCount());
            assertEquals(500, conf.intColumn("cat").sum() + conf.intColumn("dog").sum() + conf.intColumn("banana").sum()
                    + conf.intColumn("tree").sum() + conf.intColumn("car").sum(), 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ToySampler.sample(m, ToySampler.Kind.DDPM, 10, 10, 3, "unicorn", 3.0));
            assertTrue(e.getMessage().contains("unicorn") && e.getMessage().contains("banana"), e.getMessage());
        }
    }

    @Test
    void fieldAtTheLastTimestepPointsToTheDataCentre() {
        ToyModel m = moonsResult.model();
        float[][] data = Datasets2D.xy(moons);
        VectorField f = VectorField.compute(m, 99, VectorField.Kind.SCORE, 9, data, null, 0);
        assertEquals(81, f.points().length);
        double mx = m.standardizer().meanX();
        double my = m.standardizer().meanY();
        double cos = 0;
        for (int i = 0; i < f.points().length; i++) {
            double tx = mx - f.points()[i][0];
            double ty = my - f.points()[i][1];
            double[] d = {f.directions()[i][0], f.directions()[i][1]};
            cos += (tx * d[0] + ty * d[1]) / (Math.hypot(tx, ty) * Math.hypot(d[0], d[1]) + 1e-12);
        }
        cos /= f.points().length;
        assertTrue(cos > 0.9, "mean cosine to the centre at t = T-1: " + cos);
    }

    @Test
    void saveAndLoadGiveTheSamePredictions(@TempDir Path dir) {
        ToyModel m = moonsResult.model();
        m.save(dir);
        float[][] x = ToySampler.noise(16, 5);
        try (ToyModel back = ToyModel.load(dir)) {
            assertEquals(m.labels(), back.labels());
            assertEquals(m.spec(), back.spec());
            assertEquals(m.standardizer(), back.standardizer());
            float[][] a = m.predictEpsilon(x, 40, m.labelIndices("upper", 16));
            float[][] b = back.predictEpsilon(x, 40, back.labelIndices("upper", 16));
            for (int i = 0; i < 16; i++) {
                assertArrayEquals(a[i], b[i], 1e-6f);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ToyModel.load(dir.resolve("nope")));
    }

    @Test
    void vPredictionAlsoLearns() {
        ToyTrainer.Config cfg = QUICK.withSteps(800).withSpec(ToyModel.Spec.defaults().withPrediction(ToyModel.Prediction.V_PREDICTION));
        ToyTrainer.Result r = ToyTrainer.train(moons, cfg);
        try (ToyModel m = r.model()) {
            double[] d = distances(moons, r, cfg, 1000);
            assertTrue(d[0] < 0.6 * d[2], "v-prediction: trained " + d[0] + " vs noise " + d[2]);
        }
    }
}
