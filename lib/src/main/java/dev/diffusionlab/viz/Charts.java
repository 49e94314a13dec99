package dev.diffusionlab.viz;

import java.util.Arrays;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** Small XChart helpers shared by the stages' charts. */
public final class Charts {
    private Charts() {}

    /** Adds points given as rows {x, y, ...} (extra columns ignored) as one series of {@code chart}; returns the series to style. */
    public static XYSeries addPoints(XYChart chart, String name, double[][] rows) {
        double[] x = Arrays.stream(rows).mapToDouble(r -> r[0]).toArray(); // (N, ≥2) -> (N,)
        double[] y = Arrays.stream(rows).mapToDouble(r -> r[1]).toArray();
        return chart.addSeries(name, x, y);
    }
}
