package dev.diffusionlab.shapes;

import dev.diffusionlab.image.Images;
import dev.diffusionlab.viz.ImageLayout;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The picture side of {@link ShapesEval}: a grid of generations at the best guidance, each with its caption and the
 * analyser's verdict per attribute (green right, red wrong; the frame is green when everything is right), a bar
 * chart of the accuracy per attribute and split, and an HTML page with both and the text tables.
 *
 * <pre>{@code List<Path> files = ShapesReport.write(report, Path.of("eval-shapes-report"), "shapes-world, 100 captions");}</pre>
 */
public final class ShapesReport {
    /** Generations per split in the grid. */
    public static final int PER_SPLIT = 12;
    /** Attributes in the bar chart, in {@link ShapesEval.Quality} order. */
    public static final List<String> ATTRIBUTES = List.of("colour", "shape", "position", "size", "count", "all");
    private static final int SCALE = 4;
    private static final int CELL = 32 * SCALE + 16;
    private static final int TEXT_LINES = 4;
    private static final Color RIGHT = new Color(0, 140, 60);
    private static final Color WRONG = new Color(200, 30, 30);

    private ShapesReport() {}

    /**
     * Writes {@code grid.png}, {@code accuracy.png}, {@code report.txt} and {@code report.html} into {@code dir}.
     *
     * @param report what {@link ShapesEval#run} measured
     * @param dir the output folder (created)
     * @param title the HTML page's heading (e.g. the model and settings)
     * @return the files written
     */
    public static List<Path> write(ShapesEval.Report report, Path dir, String title) {
        try {
            Files.createDirectories(dir);
            List<Path> out = new ArrayList<>();
            out.add(Images.savePng(grid(report), dir.resolve("grid.png")));
            out.add(Images.savePng(BitmapEncoder.getBufferedImage(accuracyChart(report)), dir.resolve("accuracy.png")));
            Path txt = dir.resolve("report.txt");
            Files.writeString(txt, report.text(), StandardCharsets.UTF_8);
            out.add(txt);
            Path html = dir.resolve("report.html");
            Files.writeString(html, html(report, title), StandardCharsets.UTF_8);
            out.add(html);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the report: " + e.getMessage(), e);
        }
    }

    /** The samples at the best guidance, at most {@link #PER_SPLIT} per split, one row block per split. */
    public static BufferedImage grid(ShapesEval.Report report) {
        Map<String, List<ShapesEval.Sample>> bySplit = new LinkedHashMap<>();
        for (ShapesEval.Sample s : report.samples()) {
            if (s.guidance() == report.best()) {
                List<ShapesEval.Sample> l = bySplit.computeIfAbsent(s.split(), k -> new ArrayList<>());
                if (l.size() < PER_SPLIT) {
                    l.add(s);
                }
            }
        }
        int cols = 6;
        int header = 22;
        int cellH = CELL + TEXT_LINES * 13 + 8;
        int height = 0;
        for (List<ShapesEval.Sample> l : bySplit.values()) {
            height += header + Math.max(1, (l.size() + cols - 1) / cols) * cellH;
        }
        BufferedImage img = new BufferedImage(cols * CELL + 8, Math.max(height, 40), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        Font bold = new Font(Font.SANS_SERIF, Font.BOLD, 13);
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
        int y = 0;
        for (Map.Entry<String, List<ShapesEval.Sample>> e : bySplit.entrySet()) {
            g.setColor(Color.BLACK);
            g.setFont(bold);
            g.drawString(String.format(Locale.ROOT, "%s captions, guidance %s", e.getKey(), fmt(report.best())), 6, y + 16);
            y += header;
            List<ShapesEval.Sample> l = e.getValue();
            for (int i = 0; i < l.size(); i++) {
                ShapesEval.Sample s = l.get(i);
                int x0 = 4 + (i % cols) * CELL;
                int y0 = y + (i / cols) * cellH;
                g.drawImage(Images.enlarge(s.image(), SCALE), x0 + 8, y0 + 4, null);
                g.setColor(s.score().all() ? RIGHT : WRONG);
                g.setStroke(new BasicStroke(3));
                g.drawRect(x0 + 6, y0 + 2, 32 * SCALE + 3, 32 * SCALE + 3);
                g.setFont(small);
                FontMetrics fm = g.getFontMetrics();
                int ty = y0 + 32 * SCALE + 20;
                g.setColor(Color.DARK_GRAY);
                for (String line : wrap(s.intended().caption(), fm, CELL - 10, TEXT_LINES - 1)) {
                    g.drawString(line, x0 + 4, ty);
                    ty += 12;
                }
                int tx = x0 + 4;
                for (Map.Entry<String, Boolean> v : verdicts(s.score()).entrySet()) {
                    g.setColor(v.getValue() ? RIGHT : WRONG);
                    g.drawString(v.getKey(), tx, ty);
                    tx += fm.stringWidth(v.getKey()) + 5;
                }
            }
            y += Math.max(1, (l.size() + cols - 1) / cols) * cellH;
        }
        g.dispose();
        return img;
    }

    /** Accuracy per attribute, one series per split, at the best guidance (size counts only captions that say one). */
    public static CategoryChart accuracyChart(ShapesEval.Report report) {
        CategoryChart c = new CategoryChartBuilder().width(640).height(360)
                .title("caption accuracy per attribute, guidance " + fmt(report.best())).xAxisTitle("attribute").yAxisTitle("accuracy").build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setYAxisMax(1.0);
        for (ShapesEval.Quality q : report.quality()) {
            if (q.guidance() != report.best()) {
                continue;
            }
            double[] v = {q.colour(), q.shape(), q.position(), q.size(), q.count(), q.all()};
            List<Double> ys = new ArrayList<>();
            for (double d : v) {
                ys.add(Double.isNaN(d) ? 0.0 : d); // no caption said a size: drawn as 0, the table says NaN
            }
            c.addSeries(q.split() + " (n=" + q.n() + ")", ATTRIBUTES, ys);
        }
        return c;
    }

    private static Map<String, Boolean> verdicts(ShapesAnalyser.Score s) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        m.put("colour", s.colour());
        m.put("shape", s.shape());
        m.put("pos", s.position());
        boolean anySize = s.objects().stream().anyMatch(o -> o.size() != null);
        if (anySize) {
            m.put("size", s.objects().stream().allMatch(o -> o.size() == null || o.size()));
        }
        m.put("count", s.count());
        return m;
    }

    private static List<String> wrap(String text, FontMetrics fm, int width, int maxLines) {
        List<String> lines = ImageLayout.wrap(text, fm, width);
        if (lines.size() > maxLines) {
            List<String> cut = new ArrayList<>(lines.subList(0, maxLines));
            cut.set(maxLines - 1, cut.get(maxLines - 1) + " …");
            return cut;
        }
        return lines;
    }

    private static String html(ShapesEval.Report r, String title) {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>eval-shapes: " + esc(title) + "</title></head>\n<body>\n"
                + "<h1>eval-shapes</h1>\n<p>" + esc(title) + "</p>\n"
                + "<h2>" + r.passed() + " passed, " + r.failed() + " failed</h2>\n"
                + "<h2>Generations at guidance " + fmt(r.best()) + "</h2>\n"
                + "<p>Each picture with its caption; the analyser's verdict per attribute in green (right) or red (wrong);"
                + " a green frame when every attribute is right and nothing extra was drawn.</p>\n"
                + "<img src=\"grid.png\" alt=\"generations with verdicts\">\n"
                + "<h2>Accuracy per attribute</h2>\n<img src=\"accuracy.png\" alt=\"accuracy per attribute\">\n"
                + "<h2>Tables</h2>\n<pre>" + esc(r.text()) + "</pre>\n</body></html>\n";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String fmt(double g) {
        return g == Math.rint(g) ? String.valueOf((long) g) : String.valueOf(g);
    }
}
