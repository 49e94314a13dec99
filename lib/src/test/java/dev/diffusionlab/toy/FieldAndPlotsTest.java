package dev.diffusionlab.toy;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.viz.ChartAxes;
import dev.diffusionlab.viz.TableFormat;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/** Divergence and magnitude of a lattice field, the centred moving average, and the readability helpers. */
class FieldAndPlotsTest {
    static VectorField lattice(int g, java.util.function.BiFunction<Float, Float, float[]> v) {
        float[][] pts = new float[g * g][];
        float[][] dir = new float[g * g][];
        for (int i = 0; i < g; i++) {
            for (int j = 0; j < g; j++) {
                float x = -1 + 2f * j / (g - 1);
                float y = -2 + 4f * i / (g - 1);
                pts[i * g + j] = new float[] {x, y};
                dir[i * g + j] = v.apply(x, y);
            }
        }
        return new VectorField(pts, dir, 0, VectorField.Kind.SCORE, null, 0);
    }

    @Test
    void divergenceOfLinearFieldsIsExact() {
        // v = -(x, y): a sink of divergence -2 everywhere; v = (y, -x): a rotation, divergence 0
        VectorField sink = lattice(9, (x, y) -> new float[] {-x, -y});
        for (double d : sink.divergence()) {
            assertEquals(-2, d, 1e-5);
        }
        VectorField rot = lattice(9, (x, y) -> new float[] {y, -x});
        for (double d : rot.divergence()) {
            assertEquals(0, d, 1e-5);
        }
        VectorField quad = lattice(9, (x, y) -> new float[] {x * x, 0});
        // d(x²)/dx = 2x, exact for central differences inside the lattice
        double[] div = quad.divergence();
        assertEquals(2 * 0.5, div[4 * 9 + 6], 1e-5);
        assertEquals(5, sink.magnitudes()[4 * 9 + 4] + 5, 1e-6); // the centre (0, 0) has magnitude 0
        assertEquals(Math.hypot(1, 2), sink.magnitudes()[8 * 9 + 8], 1e-6);
    }

    @Test
    void scalarMapRendersWithColourBar() {
        VectorField sink = lattice(9, (x, y) -> new float[] {-x, -y});
        BufferedImage img = ToyPlots.scalarMap(sink, sink.divergence(), Datasets2D.circle(50, 0), "div", true);
        assertEquals(520, img.getWidth());
        assertThrows(IllegalArgumentException.class,
                () -> ToyPlots.scalarMap(sink, new double[3], Datasets2D.circle(50, 0), "bad", false));
    }

    @Test
    void centredMovingAverageDoesNotLag() {
        double[] ramp = new double[101];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = i;
        }
        // a centred mean of a straight line is the line itself: no lag (a running mean lags by (w-1)/2)
        double[] ma = ToyPlots.centredMovingAverage(ramp, 11);
        for (int i = 0; i < ramp.length; i++) {
            assertEquals(ramp[i], ma[i], 1e-9);
        }
        double[] alt = ToyPlots.centredMovingAverage(new double[] {0, 2, 0, 2, 0}, 3);
        assertArrayEquals(new double[] {0, 2 / 3.0, 4 / 3.0, 2 / 3.0, 0}, alt, 1e-12);
        assertEquals(5, ToyPlots.smoothingWindow(10));
        assertEquals(1, ToyPlots.smoothingWindow(2000) % 2);
    }

    @Test
    void significantDigits() {
        assertEquals("0.9999", TableFormat.format(0.9999499904525561, 4));
        assertEquals("1.000", TableFormat.format(0.99996, 4));
        assertEquals("0.01000", TableFormat.format(0.010000829662238302, 4));
        assertEquals("123.5", TableFormat.format(123.456, 4));
        assertEquals("1.235e-05", TableFormat.format(1.2345e-5, 4));
        Table t = TableFormat.significant(Table.create("t", DoubleColumn.create("v", new double[] {0.0791497731170005})), 3);
        assertEquals("0.0791", t.doubleColumn("v").getString(0));
        assertEquals(0.0791497731170005, t.doubleColumn("v").get(0), 0); // data unchanged
    }

    @Test
    void readableXAddsOneHiddenAnchor() {
        XYChart c = new XYChartBuilder().width(640).height(320).build();
        double[] x = new double[1000];
        double[] y = new double[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
            y[i] = Math.exp(-i / 300.0);
        }
        c.addSeries("s", x, y);
        ChartAxes.readableX(c);
        ChartAxes.readableX(c);
        assertEquals(2, c.getSeriesMap().size());
        var anchor = c.getSeriesMap().values().stream().filter(s -> !s.getName().equals("s")).findFirst().orElseThrow();
        assertFalse(anchor.isShowInLegend());
        assertArrayEquals(new double[] {0.5}, anchor.getXData());
    }
}
