package dev.diffusionlab.noise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Gaussian;
import dev.diffusionlab.image.ImageGrid;
import dev.diffusionlab.image.ImageTensors;
import dev.diffusionlab.viz.ChartAxes;
import java.awt.BasicStroke;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.Table;

/**
 * Figures of noise schedules and of the forward process: ᾱ_t, SNR and log-SNR curves, pixel
 * histograms against N(0, 1), distances against t, and noising strips.
 *
 * <pre>{@code
 * XYChart c = NoiseCharts.alphasCumprod(NoiseSchedule.standard());
 * BufferedImage strip = NoiseCharts.noisingStrip(NoiseSchedule.standard(), cat, new int[] {0, 250, 500, 999}, 42, 2);
 * }</pre>
 */
public final class NoiseCharts {
    private NoiseCharts() {}

    /** ᾱ_t of each schedule against t. */
    public static XYChart alphasCumprod(List<NoiseSchedule> schedules) {
        XYChart c = lineChart("ᾱ_t: share of the signal's variance left", "t", "alphas_cumprod");
        for (NoiseSchedule s : schedules) {
            c.addSeries(label(s), timesteps(s), s.alphasCumprod());
        }
        return ChartAxes.readableX(c);
    }

    /** SNR_t = ᾱ_t/(1−ᾱ_t) of each schedule, on a logarithmic axis (points with SNR = 0 are left out). */
    public static XYChart snr(List<NoiseSchedule> schedules) {
        XYChart c = lineChart("SNR_t = ᾱ_t / (1 − ᾱ_t)  (log scale)", "t", "SNR");
        c.getStyler().setYAxisLogarithmic(true);
        for (NoiseSchedule s : schedules) {
            double[] snr = s.snr();
            double[] t = timesteps(s);
            int n = 0;
            while (n < snr.length && snr[n] > 0) {
                n++;
            }
            c.addSeries(label(s), java.util.Arrays.copyOf(t, n), java.util.Arrays.copyOf(snr, n));
        }
        return ChartAxes.readableX(c);
    }

    /** ln SNR_t of each schedule (finite values only). */
    public static XYChart logSnr(List<NoiseSchedule> schedules) {
        XYChart c = lineChart("log-SNR_t = ln(ᾱ_t / (1 − ᾱ_t))", "t", "log SNR");
        for (NoiseSchedule s : schedules) {
            double[] l = s.logSnr();
            double[] t = timesteps(s);
            int n = 0;
            while (n < l.length && Double.isFinite(l[n])) {
                n++;
            }
            c.addSeries(label(s), java.util.Arrays.copyOf(t, n), java.util.Arrays.copyOf(l, n));
        }
        return ChartAxes.readableX(c);
    }

    /**
     * Pixel-value histograms (as density curves over [−4, 4]) of several pictures, with the N(0, 1)
     * density dashed for comparison.
     *
     * @param samples label → picture (any shape)
     */
    public static XYChart histograms(Map<String, NDArray> samples, int bins) {
        XYChart c = lineChart("pixel values drift to N(0, 1)", "pixel value", "density");
        c.getStyler().setXAxisDecimalPattern("0.0");
        double lo = -4;
        double hi = 4;
        double w = (hi - lo) / bins;
        double[] centers = new double[bins];
        for (int b = 0; b < bins; b++) {
            centers[b] = lo + (b + 0.5) * w;
        }
        for (var e : samples.entrySet()) {
            float[] v = e.getValue().toFloatArray();
            double[] dens = new double[bins];
            for (float f : v) {
                int b = (int) Math.floor((f - lo) / w);
                if (b >= 0 && b < bins) {
                    dens[b]++;
                }
            }
            for (int b = 0; b < bins; b++) {
                dens[b] /= v.length * w;
            }
            c.addSeries(e.getKey(), centers, dens);
        }
        double[] pdf = new double[bins];
        for (int b = 0; b < bins; b++) {
            pdf[b] = Math.exp(-centers[b] * centers[b] / 2) / Math.sqrt(2 * Math.PI);
        }
        XYSeries n = c.addSeries("N(0, 1)", centers, pdf);
        n.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        n.setLineColor(java.awt.Color.BLACK);
        return c;
    }

    /**
     * Distances against t from a {@link NoiseMetrics#table} result: to the original picture and to the
     * nearest other picture.
     */
    public static XYChart distances(Table metrics) {
        XYChart c = lineChart("leaving the picture: distances of x_t (" + metrics.name() + ")", "t", "L2 distance");
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        double[] t = metrics.intColumn("t").asDoubleArray();
        c.addSeries("to the original x_0", t, metrics.doubleColumn("dist_to_original").asDoubleArray());
        c.addSeries("to the nearest other picture", t, metrics.doubleColumn("dist_to_nearest_other").asDoubleArray());
        return ChartAxes.readableX(c);
    }

    /** Correlation with the original and the remaining signal √ᾱ_t against t. */
    public static XYChart signal(Table metrics) {
        XYChart c = lineChart("what is left of the picture (" + metrics.name() + ")", "t", "");
        double[] t = metrics.intColumn("t").asDoubleArray();
        c.addSeries("correlation(x_t, x_0)", t, metrics.doubleColumn("correlation").asDoubleArray());
        c.addSeries("√ᾱ_t (remaining signal)", t, metrics.doubleColumn("sqrt_alpha_bar").asDoubleArray());
        return ChartAxes.readableX(c);
    }

    /**
     * One row per schedule: x_0 noised in closed form at each timestep, all with the same seeded ε, with
     * captions "name t=…"; tiles enlarged {@code scale}× (nearest neighbour).
     */
    public static BufferedImage noisingStrip(List<NoiseSchedule> schedules, NDArray x0, int[] timesteps, long seed, int scale) {
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> caps = new ArrayList<>();
        try (NDManager sub = x0.getManager().newSubManager()) {
            NDArray eps = Gaussian.noise(sub, x0.getShape(), seed);
            for (NoiseSchedule s : schedules) {
                ForwardProcess q = new ForwardProcess(s);
                for (int t : timesteps) {
                    NDArray xt = q.addNoise(x0, eps, t);
                    xt.attach(sub);
                    tiles.add(ImageTensors.toImage(xt));
                    caps.add(shortName(s) + " t=" + t);
                }
            }
        }
        return ImageGrid.of(tiles, caps, timesteps.length, scale);
    }

    /** The frames of x_0 dissolving into noise (closed form, one ε), for {@link dev.diffusionlab.image.Gifs}. */
    public static List<BufferedImage> noisingFrames(NoiseSchedule schedule, NDArray x0, int[] timesteps, long seed) {
        List<BufferedImage> frames = new ArrayList<>();
        ForwardProcess q = new ForwardProcess(schedule);
        try (NDManager sub = x0.getManager().newSubManager()) {
            NDArray eps = Gaussian.noise(sub, x0.getShape(), seed);
            for (int t : timesteps) {
                NDArray xt = q.addNoise(x0, eps, t);
                xt.attach(sub);
                frames.add(ImageTensors.toImage(xt));
            }
        }
        return frames;
    }

    private static String shortName(NoiseSchedule s) {
        return switch (s.name()) {
            case "scaled_linear" -> "scaled";
            case "squaredcos_cap_v2" -> "cosine";
            default -> s.name();
        };
    }

    private static String label(NoiseSchedule s) {
        return s.name() + (s.zeroTerminalSnr() ? " (zero terminal SNR)" : "");
    }

    private static double[] timesteps(NoiseSchedule s) {
        double[] t = new double[s.numTrainTimesteps()];
        for (int i = 0; i < t.length; i++) {
            t[i] = i;
        }
        return t;
    }

    private static XYChart lineChart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(720).height(400).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setMarkerSize(0);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setSeriesMarkers(new org.knowm.xchart.style.markers.Marker[] {SeriesMarkers.NONE});
        c.getStyler().setXAxisTickMarkSpacingHint(90); // t runs to 999: keep three-digit tick labels apart
        return c;
    }
}
