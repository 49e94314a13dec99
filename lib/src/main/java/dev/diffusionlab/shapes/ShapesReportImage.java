package dev.diffusionlab.shapes;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.diffusionlab.viz.ImageLayout;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The picture half of an evaluation report, independent of what was evaluated: a grid of generations,
 * each with its caption and one green/red box per checked attribute, and XChart bar charts, stacked
 * into one PNG. {@link ShapesEvalV2.Report#image()} uses it; a v1 report can feed it the same tiles.
 *
 * <pre>{@code
 * BufferedImage grid = ShapesReportImage.grid(List.of(new ShapesReportImage.Tile(img, "a red circle on the left",
 *         List.of(new ShapesReportImage.Verdict("colour", true)))), 6, 3);
 * ShapesReportImage.write(Path.of("report.png"), ShapesReportImage.stack(grid, chart));
 * }</pre>
 */
public final class ShapesReportImage {
    private ShapesReportImage() {}

    /** One checked attribute of a tile: its name (its first letter is drawn in the box) and whether it is right. */
    public record Verdict(String name, boolean ok) {}

    /** One generation: the image, the text under it and its verdicts. */
    public record Tile(BufferedImage image, String caption, List<Verdict> verdicts) {
        public boolean ok() {
            return verdicts.stream().allMatch(Verdict::ok);
        }
    }

    private static final Color GOOD = new Color(40, 150, 60);
    private static final Color BAD = new Color(200, 40, 40);

    /** Tiles in rows of {@code columns}, images scaled {@code scale}× (nearest neighbour: pixels stay visible). */
    public static BufferedImage grid(List<Tile> tiles, int columns, int scale) {
        if (tiles.isEmpty() || columns < 1 || scale < 1) {
            throw new IllegalArgumentException("grid needs tiles, columns ≥ 1 and scale ≥ 1: " + tiles.size() + " tiles, " + columns
                    + " columns, scale " + scale);
        }
        int iw = tiles.get(0).image().getWidth() * scale;
        int ih = tiles.get(0).image().getHeight() * scale;
        int cellW = Math.max(iw, 150) + 8;
        int textLines = 5;
        int lineH = 11;
        int cellH = ih + 16 + textLines * lineH + 8;
        int rows = (tiles.size() + columns - 1) / columns;
        BufferedImage out = new BufferedImage(columns * cellW, rows * cellH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        for (int i = 0; i < tiles.size(); i++) {
            Tile t = tiles.get(i);
            int x = (i % columns) * cellW + 4;
            int y = (i / columns) * cellH + 4;
            g.setColor(t.ok() ? GOOD : BAD);
            g.fillRect(x - 2, y - 2, iw + 4, ih + 4);
            g.drawImage(t.image().getScaledInstance(iw, ih, Image.SCALE_FAST), x, y, null);
            int bx = x;
            for (Verdict v : t.verdicts()) {
                g.setColor(v.ok() ? GOOD : BAD);
                g.fillRect(bx, y + ih + 4, 12, 11);
                g.setColor(Color.WHITE);
                g.drawString(v.name().substring(0, 1), bx + 3, y + ih + 13);
                bx += 14;
            }
            g.setColor(Color.BLACK);
            List<String> lines = ImageLayout.wrap(t.caption(), g.getFontMetrics(), cellW - 8);
            for (int k = 0; k < Math.min(textLines, lines.size()); k++) {
                g.drawString(lines.get(k), x, y + ih + 16 + (k + 1) * lineH);
            }
        }
        g.dispose();
        return out;
    }

    /** A bar chart (values 0..1): one group of bars per category, one bar colour per series (same length as the categories). */
    public static BufferedImage bars(String title, List<String> categories, Map<String, double[]> series, int width, int height) {
        CategoryChart c = new CategoryChartBuilder().width(width).height(height).title(title).yAxisTitle("fraction").build();
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setYAxisMax(1.0);
        c.getStyler().setXAxisLabelRotation(30);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
        for (Map.Entry<String, double[]> e : new LinkedHashMap<>(series).entrySet()) {
            if (e.getValue().length != categories.size()) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' has " + e.getValue().length + " values for "
                        + categories.size() + " categories");
            }
            List<Double> v = new ArrayList<>();
            for (double d : e.getValue()) {
                v.add(Double.isNaN(d) ? 0.0 : d); // XChart draws no NaN bars; an unmeasured value shows as 0
            }
            c.addSeries(e.getKey(), categories, v);
        }
        return BitmapEncoder.getBufferedImage(c);
    }

    /** The parts one under the other on white, left-aligned. */
    public static BufferedImage stack(BufferedImage... parts) {
        return ImageLayout.column(parts);
    }

    /** Writes a PNG through a temporary file, so a failed write leaves no half file. */
    public static void write(Path png, BufferedImage img) {
        try {
            Path abs = png.toAbsolutePath();
            if (abs.getParent() != null) {
                Files.createDirectories(abs.getParent());
            }
            Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer");
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(png + ": cannot write the report image: " + e.getMessage(), e);
        }
    }
}
