package dev.diffusionlab.viz;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Readable x axes for XChart 3.8.8 line charts over evenly spaced x values (timesteps, training steps).
 *
 * <p>XChart treats evenly spaced x data specially: it puts ticks on data values and checks that the
 * labels fit with a width estimate that is too small for three- and four-digit labels, so a chart over
 * t = 0..999 gets "0 53 106159212…" run together (spacing hints and label-count limits are ignored on
 * that path). Adding one invisible point between the first two x values makes the data unevenly spaced,
 * so XChart falls back to its ordinary "nice numbers" ticks (0, 200, 400, …) that honour the spacing hint.
 *
 * <pre>{@code
 * XYChart c = ...; c.addSeries("signal", t, signal);
 * ChartAxes.readableX(c);
 * }</pre>
 */
public final class ChartAxes {
    /** The invisible anchor series' name. */
    static final String ANCHOR = "\u200b";

    private ChartAxes() {}

    /**
     * Makes the x tick labels of a chart with evenly spaced x values readable (see the class comment);
     * call after adding the series. Returns the chart.
     */
    public static XYChart readableX(XYChart chart) {
        if (chart.getSeriesMap().containsKey(ANCHOR)) {
            return chart;
        }
        for (XYSeries s : chart.getSeriesMap().values()) {
            double[] x = s.getXData();
            double[] y = s.getYData();
            if (x.length >= 2) {
                // a single point draws no line and, without a marker, nothing at all
                XYSeries a = chart.addSeries(ANCHOR, new double[] {(x[0] + x[1]) / 2}, new double[] {y[0]});
                a.setMarker(SeriesMarkers.NONE);
                a.setShowInLegend(false);
                a.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                chart.getStyler().setXAxisDecimalPattern("#.##");
                return chart;
            }
        }
        return chart;
    }
}
