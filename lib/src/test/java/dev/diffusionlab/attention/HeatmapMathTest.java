package dev.diffusionlab.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HeatmapMathTest {
    @Test
    void bilinearMatchesTorchAlignCornersFalse() {
        // F.interpolate(tensor([[0., 1.]]), size=4, mode="linear") == [0, .25, .75, 1]
        float[] up = Bilinear.resize(new float[] {0, 1}, 1, 2, 1, 4);
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, up, 1e-7f);
        float[] r = Bilinear.matrix(3, 7);
        for (int o = 0; o < 7; o++) {
            double s = 0;
            for (int i = 0; i < 3; i++) {
                s += r[o * 3 + i];
            }
            assertEquals(1.0, s, 1e-6, "row " + o);
        }
        assertThrows(IllegalArgumentException.class, () -> Bilinear.resize(new float[3], 2, 2, 4, 4));
    }

    @Test
    void colormapsMatchMatplotlibEndsAndRiseInLightness() {
        assertColor(new int[] {68, 1, 84}, Colormap.VIRIDIS.rgb(0));
        assertColor(new int[] {253, 231, 37}, Colormap.VIRIDIS.rgb(1));
        assertColor(new int[] {33, 145, 140}, Colormap.VIRIDIS.rgb(0.5));
        assertColor(new int[] {0, 0, 4}, Colormap.INFERNO.rgb(0));
        assertColor(new int[] {252, 255, 164}, Colormap.INFERNO.rgb(1));
        assertColor(new int[] {188, 55, 84}, Colormap.INFERNO.rgb(0.5));
        for (Colormap c : Colormap.values()) {
            double prev = -1;
            for (int i = 0; i <= 100; i++) {
                double[] v = c.color(i / 100.0);
                double l = 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
                assertTrue(l > prev, c + " lightness falls at " + i);
                prev = l;
            }
        }
    }

    static void assertColor(int[] expected, int rgb) {
        int[] got = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
        for (int i = 0; i < 3; i++) {
            assertTrue(Math.abs(expected[i] - got[i]) <= 4, Arrays.toString(expected) + " vs " + Arrays.toString(got));
        }
    }

    @Test
    void statsOfFlatAndPointMaps() {
        float[] flat = new float[100];
        Arrays.fill(flat, 0.5f);
        HeatmapStats f = HeatmapStats.of("flat", flat, 10, 10);
        assertEquals(0.1, f.top10Mass(), 1e-9);
        assertEquals(0.5, f.mean(), 1e-9);
        float[] point = new float[100];
        point[3 * 10 + 7] = 2f;
        HeatmapStats p = HeatmapStats.of("point", point, 10, 10);
        assertEquals(1.0, p.top10Mass(), 1e-9);
        assertEquals(7, p.peakX());
        assertEquals(3, p.peakY());
        assertEquals(2.0, p.peak(), 1e-9);
    }
}
