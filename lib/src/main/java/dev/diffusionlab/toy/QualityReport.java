package dev.diffusionlab.toy;

import dev.diffusionlab.viz.TableFormat;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Sample quality measured, not eyeballed: sliced Wasserstein-2 (standardised units) from DDPM
 * samples to the data, for the trained model, the untrained model (same initial weights) and plain
 * N(0, I) noise; and the Chamfer distance of the trained model's samples and of the noise, whose
 * ratio is at most 0.5 when the samples trace the data's shape rather than fill a blob.
 *
 * <pre>{@code
 * QualityReport.Row r = QualityReport.evaluate("moons", trainResult, moons, cfg, 1000);
 * display(QualityReport.table(List.of(r)));
 * }</pre>
 */
public final class QualityReport {
    private QualityReport() {}

    /** One dataset's figures. */
    public record Row(String dataset, int points, int steps, double trained, double untrained, double noise,
            double chamferTrained, double chamferNoise) {
        /** Chamfer of the samples over Chamfer of N(0, I) noise: lower is better, at most 0.5 traces the shape. */
        public double chamferRatio() {
            return chamferTrained / chamferNoise;
        }
    }

    /** Samples n points (DDPM, all timesteps, seed 1) from the trained and the untrained model. */
    public static Row evaluate(String name, ToyTrainer.Result result, Table data, ToyTrainer.Config cfg, int n) {
        return evaluate(name, result.model(), result.loss().rowCount(), data, cfg, n);
    }

    /**
     * The same for a model trained elsewhere (e.g. loaded with {@link ToyModel#load}) for {@code steps}
     * steps; the untrained baseline is {@code cfg} with the model's own spec.
     */
    public static Row evaluate(String name, ToyModel model, int steps, Table data, ToyTrainer.Config cfg, int n) {
        float[][] x = model.standardizer().normalize(Datasets2D.xy(data));
        int k = model.spec().numTrainTimesteps();
        float[][] samples = ToySampler.sample(model, ToySampler.Kind.DDPM, n, k, 1, null, 0).end();
        double trained = PointMetrics.slicedWasserstein(samples, x);
        double untrained;
        try (ToyModel base = ToyTrainer.untrained(data, cfg.withSpec(model.spec()))) {
            untrained = PointMetrics.slicedWasserstein(ToySampler.sample(base, ToySampler.Kind.DDPM, n, k, 1, null, 0).end(), x);
        }
        float[][] gauss = ToySampler.noise(n, 1);
        double noise = PointMetrics.slicedWasserstein(gauss, x);
        return new Row(name, data.rowCount(), steps, trained, untrained, noise,
                PointMetrics.chamfer(samples, x), PointMetrics.chamfer(gauss, x));
    }

    /** The rows as a table. */
    public static Table table(List<Row> rows) {
        Table t = Table.create("distances to the data (standardised units, lower is better)",
                StringColumn.create("dataset"), IntColumn.create("points"), IntColumn.create("training steps"),
                DoubleColumn.create("SW2 trained"), DoubleColumn.create("SW2 untrained"), DoubleColumn.create("SW2 N(0,I) noise"),
                DoubleColumn.create("Chamfer trained"), DoubleColumn.create("Chamfer N(0,I) noise"),
                DoubleColumn.create("Chamfer ratio"));
        for (Row r : rows) {
            t.stringColumn(0).append(r.dataset());
            t.intColumn(1).append(r.points());
            t.intColumn(2).append(r.steps());
            t.doubleColumn(3).append(r.trained());
            t.doubleColumn(4).append(r.untrained());
            t.doubleColumn(5).append(r.noise());
            t.doubleColumn(6).append(r.chamferTrained());
            t.doubleColumn(7).append(r.chamferNoise());
            t.doubleColumn(8).append(r.chamferRatio());
        }
        return TableFormat.significant(t, 3);
    }
}
