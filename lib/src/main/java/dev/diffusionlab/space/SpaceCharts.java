package dev.diffusionlab.space;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Charts of image space: 2D scatter plots of projected pictures (one series per group) and bar charts
 * of distances.
 *
 * <pre>{@code XYChart c = SpaceCharts.scatter("2D PCA", pca.project(set.images()), set.groups());}</pre>
 */
public final class SpaceCharts {
    private SpaceCharts() {}

    /** A scatter plot of 2D points (rows of {x, y, ...}), one coloured series per group. */
    public static XYChart scatter(String title, double[][] xy, List<String> groups) {
        return scatter(title, xy, groups, "PC 1", "PC 2");
    }

    /** As {@link #scatter(String, double[][], List)} with axis titles; random images are drawn grey. */
    public static XYChart scatter(String title, double[][] xy, List<String> groups, String xTitle, String yTitle) {
        if (xy.length != groups.size()) {
            throw new IllegalArgumentException(xy.length + " points but " + groups.size() + " group labels");
        }
        Map<String, List<double[]>> byGroup = new LinkedHashMap<>();
        for (int i = 0; i < xy.length; i++) {
            byGroup.computeIfAbsent(groups.get(i), g -> new ArrayList<>()).add(xy[i]);
        }
        XYChart chart = new XYChartBuilder().width(720).height(480).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(8);
        for (var e : byGroup.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
            double[] y = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
            if (e.getKey().equals(MixedSet.RANDOM)) {
                s.setMarkerColor(java.awt.Color.GRAY);
            }
        }
        return chart;
    }

    /** A bar chart of one value per label (e.g. distances from one picture to several others). */
    public static CategoryChart bars(String title, List<String> labels, double[] values, String yTitle) {
        if (labels.size() != values.length) {
            throw new IllegalArgumentException(labels.size() + " labels for " + values.length + " values");
        }
        CategoryChart chart = new CategoryChartBuilder().width(720).height(400).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(30);
        List<Double> v = new ArrayList<>();
        for (double d : values) {
            v.add(d);
        }
        chart.addSeries(yTitle, labels, v);
        return chart;
    }

    /** Adds a path (rows of {x, y, ...}) as a line with small markers to a scatter chart, e.g. a picture's noising trajectory. */
    public static XYChart addPath(XYChart chart, String name, double[][] xy) {
        XYSeries s = dev.diffusionlab.viz.Charts.addPoints(chart, name, xy);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.DIAMOND);
        s.setLineColor(java.awt.Color.BLACK);
        s.setMarkerColor(java.awt.Color.BLACK);
        return chart;
    }
}
