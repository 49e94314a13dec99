package dev.diffusionlab.toy;

import com.madgag.gif.fmsware.AnimatedGifEncoder;
import dev.diffusionlab.viz.ChartAxes;
import dev.diffusionlab.viz.ImageLayout;
import dev.diffusionlab.viz.TableFormat;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.Table;

/**
 * XChart figures for the toy model: data and samples, the loss curve, the vector field (XChart has
 * no quiver plot, so each arrow is a short line series: shaft plus two head strokes), particle
 * trajectories, and the noise-to-data animation as a GIF (frames rendered by XChart's
 * BitmapEncoder, encoded by AnimatedGifEncoder).
 *
 * <pre>{@code
 * display(ToyPlots.dataAndSamples("moons", data, tr.samples()));
 * display(ToyPlots.vectorField(field, data, "t = 99"));
 * ToyPlots.flowGif(tr, data, 30, Path.of("out/flow.gif"));
 * }</pre>
 */
public final class ToyPlots {
    private static final Color[] PALETTE = {
        new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
        new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(23, 190, 207)
    };
    private static final Color DATA_GREY = new Color(170, 170, 170, 140);

    private ToyPlots() {}

    private static XYChart chart(String title, int w, int h) {
        XYChart c = new XYChartBuilder().width(w).height(h).title(title).xAxisTitle("x").yAxisTitle("y").build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(4);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        return c;
    }

    private static XYSeries points(XYChart c, String name, float[][] p, Color color) {
        double[] x = new double[p.length];
        double[] y = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            x[i] = p[i][0];
            y[i] = p[i][1];
        }
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(color);
        return s;
    }

    private static void frame(XYChart c, double[] box) {
        c.getStyler().setXAxisMin(box[0]);
        c.getStyler().setXAxisMax(box[1]);
        c.getStyler().setYAxisMin(box[2]);
        c.getStyler().setYAxisMax(box[3]);
    }

    /** The data, one colour per label. */
    public static XYChart scatter(String title, Table data) {
        XYChart c = chart(title, 520, 440);
        float[][] p = Datasets2D.xy(data);
        String[] l = Datasets2D.labels(data);
        List<String> names = new ArrayList<>();
        for (String s : l) {
            if (!names.contains(s)) {
                names.add(s);
            }
        }
        for (int k = 0; k < names.size(); k++) {
            List<float[]> sel = new ArrayList<>();
            for (int i = 0; i < p.length; i++) {
                if (l[i].equals(names.get(k))) {
                    sel.add(p[i]);
                }
            }
            points(c, names.get(k), sel.toArray(new float[0][]), PALETTE[k % PALETTE.length]);
        }
        c.getStyler().setLegendVisible(names.size() > 1);
        return c;
    }

    /** Data (grey) with samples on top (data coordinates). */
    public static XYChart dataAndSamples(String title, Table data, float[][] samples) {
        XYChart c = chart(title, 520, 440);
        float[][] d = Datasets2D.xy(data);
        points(c, "data", d, DATA_GREY);
        points(c, "samples", samples, PALETTE[0]).setMarkerColor(new Color(31, 119, 180, 160));
        frame(c, VectorField.bounds(d, 0.25));
        return c;
    }

    /**
     * Loss per step and its centred moving average (window {@link #smoothingWindow}), log-scaled y. A
     * centred window does not lag behind the curve as the trainer's running (exponential) average does.
     */
    public static XYChart lossCurve(Table loss) {
        XYChart c = new XYChartBuilder().width(620).height(360).title("training loss").xAxisTitle("step").yAxisTitle("MSE").build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        double[] step = loss.intColumn("step").asDoubleArray();
        double[] raw = loss.doubleColumn("loss").asDoubleArray();
        int w = smoothingWindow(raw.length);
        c.addSeries("loss", step, raw).setMarker(SeriesMarkers.NONE).setLineColor(new Color(31, 119, 180, 90));
        c.addSeries("centred average of " + w + " steps", step, centredMovingAverage(raw, w)).setMarker(SeriesMarkers.NONE)
                .setLineColor(PALETTE[3]);
        return ChartAxes.readableX(c);
    }

    /** The loss chart's smoothing window: about 1/25 of the run, odd, at least 5 steps. */
    public static int smoothingWindow(int n) {
        return Math.max(5, n / 25) | 1;
    }

    /**
     * Centred moving average: the mean of the {@code window} values around each point (the window
     * shrinks symmetrically at the ends, so the result never leads or lags the data).
     */
    public static double[] centredMovingAverage(double[] v, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        int h = window / 2;
        double[] prefix = new double[v.length + 1];
        for (int i = 0; i < v.length; i++) {
            prefix[i + 1] = prefix[i] + v[i];
        }
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            int k = Math.min(h, Math.min(i, v.length - 1 - i));
            out[i] = (prefix[i + k + 1] - prefix[i - k]) / (2 * k + 1);
        }
        return out;
    }

    /**
     * Arrows of the field, all the same length (0.8 of a grid cell), so the direction is readable in
     * every cell, including near the data where a field scaled to its largest arrow shows dots; the
     * colour gives the strength on a log scale (pale = weak, dark = strong, relative to this panel).
     */
    public static XYChart vectorFieldUnit(VectorField f, Table data, String title) {
        FieldPanel p = fieldPanel(f, data, title);
        XYChart c = p.chart();
        double[] box = p.box();
        int grid = p.grid();
        double cellX = (box[1] - box[0]) / Math.max(grid - 1, 1);
        double cellY = (box[3] - box[2]) / Math.max(grid - 1, 1);
        double[] mag = f.magnitudes();
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (double m : mag) {
            if (m > 1e-12) {
                lo = Math.min(lo, Math.log(m));
                hi = Math.max(hi, Math.log(m));
            }
        }
        for (int i = 0; i < f.points().length; i++) {
            if (mag[i] < 1e-12) {
                continue;
            }
            // a unit direction in screen proportions: scale each axis by its own cell size
            double ux = f.directions()[i][0] / cellX;
            double uy = f.directions()[i][1] / cellY;
            double n = Math.hypot(ux, uy);
            ux = 0.8 * ux / n;
            uy = 0.8 * uy / n;
            double share = hi > lo ? (Math.log(mag[i]) - lo) / (hi - lo) : 1;
            Color col = new Color((int) (190 - 170 * share), (int) (205 - 185 * share), (int) (235 - 135 * share));
            arrow(c, "a" + i, f.points()[i][0], f.points()[i][1], ux * cellX, uy * cellY, cellX, cellY, col);
        }
        frame(c, box);
        return c;
    }

    /** A field panel: the chart with the data in grey, the plotted box and the lattice's side. */
    private record FieldPanel(XYChart chart, double[] box, int grid) {}

    private static FieldPanel fieldPanel(VectorField f, Table data, String title) {
        XYChart c = chart(title, 520, 480);
        c.getStyler().setLegendVisible(false);
        float[][] d = Datasets2D.xy(data);
        double[] box = VectorField.bounds(d, 0.25);
        points(c, "data", d, DATA_GREY);
        int grid = (int) Math.round(Math.sqrt(f.points().length));
        return new FieldPanel(c, box, grid);
    }

    private static void arrow(XYChart c, String name, double x0, double y0, double dx, double dy, double sx, double sy, Color col) {
        // head strokes in cell units so they are not squashed when the axes differ in scale
        double ux = dx / sx;
        double uy = dy / sy;
        double len = Math.hypot(ux, uy);
        double h = 0.35 * len;
        double c25 = Math.cos(Math.toRadians(25));
        double s25 = Math.sin(Math.toRadians(25));
        double ex = ux / len;
        double ey = uy / len;
        double x1 = x0 + dx;
        double y1 = y0 + dy;
        double[] xs = {x0, x1, x1 - sx * h * (ex * c25 - ey * s25), x1, x1 - sx * h * (ex * c25 + ey * s25)};
        double[] ys = {y0, y1, y1 - sy * h * (ey * c25 + ex * s25), y1, y1 - sy * h * (ey * c25 - ex * s25)};
        XYSeries s = c.addSeries(name, xs, ys);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(col);
        s.setLineStyle(new java.awt.BasicStroke(1.3f)); // solid: XChart otherwise cycles dashed/dotted styles per series
    }

    /**
     * A scalar map of the field's lattice (from {@link VectorField#compute}) as coloured cells with the
     * data on top and a colour bar. {@code diverging}: blue below 0, white at 0, red above, on a scale
     * symmetric around 0 (for the divergence: blue = sink); otherwise a light-to-dark ramp of
     * log10(value) (for magnitudes). The scale is clipped at the 2nd/98th percentile so a few extreme
     * cells do not wash out the rest; the colour bar says so.
     */
    public static BufferedImage scalarMap(VectorField f, double[] values, Table data, String title, boolean diverging) {
        int g = f.grid();
        if (values.length != g * g) {
            throw new IllegalArgumentException("values (" + values.length + ") do not match the " + g + "x" + g + " lattice");
        }
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = diverging ? values[i] : Math.log10(Math.max(values[i], 1e-12));
        }
        double[] sorted = v.clone();
        java.util.Arrays.sort(sorted);
        double lo = sorted[(int) (0.02 * (sorted.length - 1))];
        double hi = sorted[(int) Math.ceil(0.98 * (sorted.length - 1))];
        if (diverging) {
            double m = Math.max(Math.max(Math.abs(lo), Math.abs(hi)), 1e-12);
            lo = -m;
            hi = m;
        } else if (hi - lo < 1e-9) {
            hi = lo + 1;
        }
        int w = 520;
        int h = 480;
        int left = 40;
        int top = 40;
        int size = 380;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D gr = img.createGraphics();
        gr.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING, java.awt.RenderingHints.VALUE_ANTIALIAS_ON);
        gr.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        gr.setColor(Color.WHITE);
        gr.fillRect(0, 0, w, h);
        double cell = size / (double) g;
        for (int i = 0; i < g; i++) {
            for (int j = 0; j < g; j++) {
                double share = (v[i * g + j] - lo) / (hi - lo);
                gr.setColor(diverging ? diverging(share) : ramp(share));
                // lattice row i is y; screen y grows downwards
                int x0 = left + (int) Math.floor(j * cell);
                int y0 = top + (int) Math.floor((g - 1 - i) * cell);
                gr.fillRect(x0, y0, (int) Math.ceil(cell) + 1, (int) Math.ceil(cell) + 1);
            }
        }
        // the data, mapped from the lattice's extent (cell centres at the lattice points)
        double xa = f.points()[0][0];
        double xb = f.points()[g - 1][0];
        double ya = f.points()[0][1];
        double yb = f.points()[g * (g - 1)][1];
        gr.setColor(new Color(0, 0, 0, 110));
        for (float[] p : Datasets2D.xy(data)) {
            double sx = left + cell / 2 + (p[0] - xa) / (xb - xa) * (size - cell);
            double sy = top + size - cell / 2 - (p[1] - ya) / (yb - ya) * (size - cell);
            gr.fill(new java.awt.geom.Ellipse2D.Double(sx - 1.2, sy - 1.2, 2.4, 2.4));
        }
        gr.setColor(Color.DARK_GRAY);
        gr.drawRect(left, top, size, size);
        gr.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 14));
        gr.setColor(Color.BLACK);
        gr.drawString(title, left, 26);
        // colour bar
        int bx = left + size + 22;
        int bw = 16;
        for (int y = 0; y < size; y++) {
            double share = 1 - y / (double) (size - 1);
            gr.setColor(diverging ? diverging(share) : ramp(share));
            gr.fillRect(bx, top + y, bw, 1);
        }
        gr.setColor(Color.DARK_GRAY);
        gr.drawRect(bx, top, bw, size);
        gr.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 11));
        String hiLabel = diverging ? label(hi) : "10^" + label(hi);
        String loLabel = diverging ? label(lo) : "10^" + label(lo);
        gr.drawString(hiLabel, bx - 4, top - 4);
        gr.drawString(loLabel, bx - 4, top + size + 14);
        if (diverging) {
            gr.drawString("0", bx + bw + 3, top + size / 2 + 4);
            gr.drawString("source", bx - 8, top + size / 4);
            gr.drawString("sink", bx - 2, top + 3 * size / 4);
        }
        gr.drawString(diverging ? "divergence (clipped at the 98th percentile of |value|)" : "log10 scale, clipped at the 2nd/98th percentile",
                left, top + size + 30);
        gr.dispose();
        return img;
    }

    private static String label(double v) {
        return TableFormat.format(v, 2);
    }

    private static Color ramp(double share) {
        double s = Math.max(0, Math.min(1, share));
        // pale yellow -> orange -> dark purple: strong values dark
        double[][] stops = {{255, 250, 220}, {250, 160, 60}, {190, 40, 70}, {60, 10, 90}};
        double pos = s * (stops.length - 1);
        int k = Math.min((int) pos, stops.length - 2);
        double u = pos - k;
        return new Color((int) (stops[k][0] + u * (stops[k + 1][0] - stops[k][0])),
                (int) (stops[k][1] + u * (stops[k + 1][1] - stops[k][1])),
                (int) (stops[k][2] + u * (stops[k + 1][2] - stops[k][2])));
    }

    private static Color diverging(double share) {
        double s = Math.max(0, Math.min(1, share));
        if (s < 0.5) {
            double u = s / 0.5; // 0 = deep blue, 1 = white
            return new Color((int) (30 + u * 225), (int) (70 + u * 185), (int) (170 + u * 85));
        }
        double u = (s - 0.5) / 0.5; // 0 = white, 1 = deep red
        return new Color((int) (255 - u * 75), (int) (255 - u * 225), (int) (255 - u * 225));
    }

    /**
     * Arrows of the field over the data (grey). Arrow length is proportional to the square root of
     * the field's magnitude (longest = 0.9 grid cells), so weak regions stay visible.
     */
    public static XYChart vectorField(VectorField f, Table data, String title) {
        FieldPanel p = fieldPanel(f, data, title);
        XYChart c = p.chart();
        double[] box = p.box();
        int grid = p.grid();
        double cell = Math.min(box[1] - box[0], box[3] - box[2]) / Math.max(grid - 1, 1);
        double max = 1e-12;
        for (float[] v : f.directions()) {
            max = Math.max(max, Math.hypot(v[0], v[1]));
        }
        Color arrow = new Color(40, 40, 120);
        for (int i = 0; i < f.points().length; i++) {
            double vx = f.directions()[i][0];
            double vy = f.directions()[i][1];
            double mag = Math.hypot(vx, vy);
            if (mag < 1e-12) {
                continue;
            }
            double len = 0.9 * cell * Math.sqrt(mag / max);
            arrow(c, "a" + i, f.points()[i][0], f.points()[i][1], len * vx / mag, len * vy / mag, 1, 1, arrow);
        }
        frame(c, box);
        return c;
    }

    /** Up to maxParticles paths from noise (open circles) to samples (dots) over the data. */
    public static XYChart trajectories(Trajectories tr, Table data, int maxParticles, String title) {
        XYChart c = chart(title, 520, 480);
        c.getStyler().setLegendVisible(false);
        float[][] d = Datasets2D.xy(data);
        points(c, "data", d, DATA_GREY);
        int n = Math.min(maxParticles, tr.size());
        float[][][] frames = new float[tr.frames().length][][];
        for (int k = 0; k < frames.length; k++) {
            frames[k] = tr.frameInData(k);
        }
        for (int i = 0; i < n; i++) {
            double[] xs = new double[frames.length];
            double[] ys = new double[frames.length];
            for (int k = 0; k < frames.length; k++) {
                xs[k] = frames[k][i][0];
                ys[k] = frames[k][i][1];
            }
            XYSeries s = c.addSeries("p" + i, xs, ys);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            s.setMarker(SeriesMarkers.NONE);
            Color col = PALETTE[i % PALETTE.length];
            s.setLineColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 120));
            s.setLineStyle(new java.awt.BasicStroke(1f)); // solid: XChart otherwise cycles dashed/dotted styles per series
        }
        float[][] start = java.util.Arrays.copyOf(frames[0], n);
        float[][] end = java.util.Arrays.copyOf(frames[frames.length - 1], n);
        points(c, "start", start, Color.BLACK).setMarker(SeriesMarkers.CIRCLE).setMarkerColor(new Color(0, 0, 0, 90));
        points(c, "end", end, PALETTE[3]);
        double[] b1 = VectorField.bounds(d, 0.25);
        double[] b2 = VectorField.bounds(start, 0.05);
        frame(c, new double[] {Math.min(b1[0], b2[0]), Math.max(b1[1], b2[1]), Math.min(b1[2], b2[2]), Math.max(b1[3], b2[3])});
        return c;
    }

    /** The chart as an image. */
    public static BufferedImage image(XYChart c) {
        return BitmapEncoder.getBufferedImage(c);
    }

    /** Images side by side, top-aligned, on white. */
    public static BufferedImage row(BufferedImage... images) {
        return ImageLayout.row(images);
    }

    /** Charts side by side. */
    public static BufferedImage row(XYChart... charts) {
        BufferedImage[] imgs = new BufferedImage[charts.length];
        for (int i = 0; i < charts.length; i++) {
            imgs[i] = image(charts[i]);
        }
        return row(imgs);
    }

    /** One frame of the flow: particles after step k, over the data, fixed axes. */
    public static XYChart flowFrame(Trajectories tr, Table data, int k, double[] box) {
        int t = k < tr.timesteps().length ? tr.timesteps()[k] : -1;
        XYChart c = chart(t >= 0 ? "step " + k + " of " + tr.steps() + " (t = " + t + ")" : "samples (step " + k + ")", 400, 380);
        c.getStyler().setLegendVisible(false);
        c.getStyler().setMarkerSize(3);
        points(c, "data", Datasets2D.xy(data), DATA_GREY);
        points(c, "particles", tr.frameInData(k), new Color(31, 119, 180, 170));
        frame(c, box);
        return c;
    }

    /** The frame indices of an animation or strip with the given number of frames. */
    static int[] frameIndices(Trajectories tr, int frames) {
        int n = Math.max(2, Math.min(frames, tr.steps() + 1));
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = (int) Math.round(tr.steps() * i / (double) (n - 1));
        }
        return idx;
    }

    private static double[] flowBox(Trajectories tr, Table data) {
        double[] b1 = VectorField.bounds(Datasets2D.xy(data), 0.25);
        double[] b2 = VectorField.bounds(tr.frameInData(0), 0.02);
        return new double[] {Math.min(b1[0], b2[0]), Math.max(b1[1], b2[1]), Math.min(b1[2], b2[2]), Math.max(b1[3], b2[3])};
    }

    /** A few frames of the flow side by side. */
    public static BufferedImage filmstrip(Trajectories tr, Table data, int frames) {
        double[] box = flowBox(tr, data);
        int[] idx = frameIndices(tr, frames);
        BufferedImage[] imgs = new BufferedImage[idx.length];
        for (int i = 0; i < idx.length; i++) {
            XYChart c = flowFrame(tr, data, idx[i], box);
            c.getStyler().setChartTitleFont(c.getStyler().getChartTitleFont().deriveFont(11f));
            imgs[i] = image(c);
        }
        return row(imgs);
    }

    /** Writes the particles' flow from noise onto the data as an animated GIF; returns the file. */
    public static Path flowGif(Trajectories tr, Table data, int frames, Path out) {
        double[] box = flowBox(tr, data);
        try {
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            AnimatedGifEncoder gif = new AnimatedGifEncoder();
            if (!gif.start(out.toString())) {
                throw new IOException("cannot open " + out);
            }
            gif.setRepeat(0);
            gif.setDelay(120);
            int[] idx = frameIndices(tr, frames);
            for (int i = 0; i < idx.length; i++) {
                if (i == idx.length - 1) {
                    gif.setDelay(1500); // linger on the samples
                }
                gif.addFrame(image(flowFrame(tr, data, idx[i], box)));
            }
            gif.finish();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write GIF " + out, e);
        }
    }
}
