package dev.diffusionlab.viz;

import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.RenderContext;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Map;

/**
 * How the library's objects look in a Jupyter notebook: BufferedImage and XChart charts as PNG, Tablesaw
 * tables as an HTML table (first {@value #MAX_ROWS} rows). The Diffusion Lab kernel (and JJava) finds this
 * class through {@code META-INF/services/org.dflib.jjava.jupyter.Extension} on the notebook classpath and
 * calls {@link #install}; everything else is shown as text by the kernel.
 * <pre>{@code
 * display(chart);   // in a notebook cell: a PNG of the chart
 * table             // last expression of a cell: an HTML table
 * }</pre>
 * The kernel provides the {@code org.dflib.jjava} API at run time; lib only compiles against it.
 */
public final class NotebookDisplay implements Extension {
    /** Rows of a table shown before "… N more rows". */
    public static final int MAX_ROWS = 20;
    /** Charts are drawn at this multiple of their size and shown at their size, so they stay sharp. */
    public static final int CHART_SCALE = 2;

    private static final MIMEType PNG = MIMEType.IMAGE_PNG;
    private static final MIMEType HTML = MIMEType.TEXT_HTML;

    @Override
    public void install(BaseKernel kernel) {
        register(kernel.getRenderer());
        dev.diffusionlab.core.Progress.setFactory((label, total) -> new NotebookProgress(kernel, label, total));
    }

    /** Adds the image, chart and table renderers to {@code renderer}. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static void register(Renderer renderer) {
        renderer.createRegistration(BufferedImage.class).preferring(PNG)
                .register((img, ctx) -> {
                    ctx.renderIfRequested(PNG, () -> base64Png(img));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> "BufferedImage " + img.getWidth() + "×" + img.getHeight());
                });
        renderer.createRegistration(Chart.class).preferring(PNG)
                .register((chart, ctx) -> renderChart((Chart<?, ?>) chart, ctx));
        renderer.createRegistration(Table.class).preferring(HTML)
                .register((table, ctx) -> ctx.renderIfRequested(HTML, () -> tableHtml(table, MAX_ROWS)));
    }

    private static void renderChart(Chart<?, ?> chart, RenderContext ctx) {
        if (ctx.renderIfRequested(PNG, () -> base64Png(chartImage(chart, CHART_SCALE)))) {
            ctx.getOutputContainer().putMetaData(PNG, Map.of("width", chart.getWidth(), "height", chart.getHeight()));
        }
        ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> chart.getClass().getSimpleName() + " \"" + chart.getTitle() + "\" "
                + chart.getWidth() + "×" + chart.getHeight());
    }

    /** The chart drawn at {@code scale} times its width and height (XChart draws vectors, so it stays sharp). */
    public static BufferedImage chartImage(Chart<?, ?> chart, int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("chart scale must be >= 1, got " + scale);
        }
        int w = chart.getWidth();
        int h = chart.getHeight();
        BufferedImage img = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.scale(scale, scale);
            chart.paint(g, w, h);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** PNG bytes of {@code img}, Base64-encoded as Jupyter's image/png expects. */
    public static String base64Png(RenderedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalArgumentException("No PNG writer for image of type " + img.getClass().getName());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Encoding PNG", e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /** An HTML table of the first {@code maxRows} rows, with a "… N more rows" line when there are more. */
    public static String tableHtml(Table table, int maxRows) {
        if (maxRows < 0) {
            throw new IllegalArgumentException("maxRows must be >= 0, got " + maxRows);
        }
        int rows = Math.min(maxRows, table.rowCount());
        StringBuilder sb = new StringBuilder("<table class=\"dataframe\">");
        if (table.name() != null && !table.name().isBlank()) {
            sb.append("<caption>").append(escape(table.name())).append("</caption>");
        }
        sb.append("<thead><tr>");
        for (String name : table.columnNames()) {
            sb.append("<th>").append(escape(name)).append("</th>");
        }
        sb.append("</tr></thead><tbody>");
        for (int r = 0; r < rows; r++) {
            sb.append("<tr>");
            for (Column<?> c : table.columns()) {
                sb.append("<td>").append(escape(c.getString(r))).append("</td>");
            }
            sb.append("</tr>");
        }
        sb.append("</tbody></table>");
        int more = table.rowCount() - rows;
        if (more > 0) {
            sb.append("<p>… ").append(more).append(" more row").append(more == 1 ? "" : "s")
                    .append(" (").append(table.rowCount()).append(" × ").append(table.columnCount()).append(")</p>");
        }
        return sb.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
