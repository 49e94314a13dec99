package dev.diffusionlab.toy;

import com.madgag.gif.fmsware.AnimatedGifEncoder;
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

    /** Loss per step and its moving average (columns step, loss, ema), log-scaled y. */
    public static XYChart lossCurve(Table loss) {
        XYChart c = new XYChartBuilder().width(620).height(360).title("training loss").xAxisTitle("step").yAxisTitle("MSE").build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        double[] step = loss.intColumn("step").asDoubleArray();
        c.addSeries("loss", step, loss.doubleColumn("loss").asDoubleArray()).setMarker(SeriesMarkers.NONE)
                .setLineColor(new Color(31, 119, 180, 90));
        c.addSeries("moving average", step, loss.doubleColumn("ema").asDoubleArray()).setMarker(SeriesMarkers.NONE)
                .setLineColor(PALETTE[3]);
        return c;
    }

    /**
     * Arrows of the field over the data (grey). Arrow length is proportional to the square root of
     * the field's magnitude (longest = 0.9 grid cells), so weak regions stay visible.
     */
    public static XYChart vectorField(VectorField f, Table data, String title) {
        XYChart c = chart(title, 520, 480);
        c.getStyler().setLegendVisible(false);
        float[][] d = Datasets2D.xy(data);
        double[] box = VectorField.bounds(d, 0.25);
        points(c, "data", d, DATA_GREY);
        int grid = (int) Math.round(Math.sqrt(f.points().length));
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
            double ux = vx / mag;
            double uy = vy / mag;
            double x0 = f.points()[i][0];
            double y0 = f.points()[i][1];
            double x1 = x0 + len * ux;
            double y1 = y0 + len * uy;
            double h = 0.35 * len;
            // head strokes: back along the shaft, rotated +-25 degrees
            double c25 = Math.cos(Math.toRadians(25));
            double s25 = Math.sin(Math.toRadians(25));
            double[] xs = {x0, x1, x1 - h * (ux * c25 - uy * s25), x1, x1 - h * (ux * c25 + uy * s25)};
            double[] ys = {y0, y1, y1 - h * (uy * c25 + ux * s25), y1, y1 - h * (uy * c25 - ux * s25)};
            XYSeries s = c.addSeries("a" + i, xs, ys);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(arrow);
            s.setLineWidth(1.2f);
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
            s.setLineWidth(1f);
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
        int w = 0;
        int h = 0;
        for (BufferedImage i : images) {
            w += i.getWidth();
            h = Math.max(h, i.getHeight());
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int x = 0;
        for (BufferedImage i : images) {
            g.drawImage(i, x, 0, null);
            x += i.getWidth();
        }
        g.dispose();
        return out;
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
