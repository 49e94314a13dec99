package dev.diffusionlab.viz;

import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class NotebookDisplayTest {
    private static Renderer renderer() {
        Renderer r = new Renderer();
        NotebookDisplay.register(r);
        return r;
    }

    private static BufferedImage decode(Object base64) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode((String) base64)));
    }

    @Test
    void bufferedImageBecomesLosslessPng() throws Exception {
        BufferedImage img = new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB);
        img.setRGB(3, 2, 0x12ab34);
        DisplayData d = renderer().render(img);
        BufferedImage back = decode(d.getData(MIMEType.IMAGE_PNG));
        assertEquals(7, back.getWidth());
        assertEquals(5, back.getHeight());
        assertEquals(0x12ab34, back.getRGB(3, 2) & 0xffffff);
        assertEquals(0, back.getRGB(0, 0) & 0xffffff);
    }

    @Test
    void chartBecomesPngAtTwiceItsSize() throws Exception {
        XYChart chart = new XYChartBuilder().width(300).height(200).title("t").build();
        chart.addSeries("y", new double[] {0, 1, 2}, new double[] {0, 1, 4});
        DisplayData d = renderer().render(chart);
        BufferedImage png = decode(d.getData(MIMEType.IMAGE_PNG));
        assertEquals(300 * NotebookDisplay.CHART_SCALE, png.getWidth());
        assertEquals(200 * NotebookDisplay.CHART_SCALE, png.getHeight());
    }

    @Test
    void largeTableIsTruncatedToFirstRows() {
        Table t = Table.create("squares", IntColumn.create("n", IntStream.range(0, 25).toArray()),
                IntColumn.create("n2", IntStream.range(0, 25).map(i -> i * i).toArray()));
        String html = (String) renderer().render(t).getData(MIMEType.TEXT_HTML);
        assertEquals(NotebookDisplay.MAX_ROWS + 1, html.split("<tr>").length - 1, "header + 20 rows");
        assertTrue(html.contains("<td>19</td><td>361</td>"), html);
        assertFalse(html.contains("<td>20</td>"), html);
        assertTrue(html.contains("… 5 more rows (25 × 2)"), html);
        assertTrue(html.contains("<caption>squares</caption>"));
    }

    @Test
    void smallTableHasNoMoreRowsLineAndEscapesHtml() {
        Table t = Table.create("", tech.tablesaw.api.StringColumn.create("a<b", new String[] {"x&y"}));
        String html = NotebookDisplay.tableHtml(t, 20);
        assertTrue(html.contains("<th>a&lt;b</th>") && html.contains("<td>x&amp;y</td>"), html);
        assertFalse(html.contains("more row"));
        assertThrows(IllegalArgumentException.class, () -> NotebookDisplay.tableHtml(t, -1));
    }

    @Test
    void otherObjectsAreTextOnly() {
        DisplayData d = renderer().render(java.util.List.of(1, 2));
        assertEquals("[1, 2]", d.getData(MIMEType.TEXT_PLAIN));
        assertNull(d.getData(MIMEType.IMAGE_PNG));
        assertNull(d.getData(MIMEType.TEXT_HTML));
    }
}
