package dev.diffusionlab.attention;

import java.util.Arrays;

/**
 * Where one word's attention map concentrates.
 *
 * @param label the word
 * @param peakX column of the maximum (image pixels)
 * @param peakY row of the maximum
 * @param peak the maximum (mean attention probability)
 * @param mean the mean over the image
 * @param top10Mass share of the map's total in its brightest 10 % of pixels (0.1 for a flat map, 1 for a point)
 */
public record HeatmapStats(String label, int peakX, int peakY, double peak, double mean, double top10Mass) {
    /** Statistics of a non-negative map of {@code w × h} values (row-major). */
    public static HeatmapStats of(String label, float[] map, int w, int h) {
        if (map.length != w * h || map.length == 0) {
            throw new IllegalArgumentException("map of " + map.length + " values for " + w + "×" + h);
        }
        int arg = 0;
        double total = 0;
        for (int i = 0; i < map.length; i++) {
            if (map[i] > map[arg]) {
                arg = i;
            }
            total += map[i];
        }
        float[] sorted = map.clone();
        Arrays.sort(sorted);
        int k = Math.max(1, (int) Math.round(map.length * 0.1));
        double top = 0;
        for (int i = 0; i < k; i++) {
            top += sorted[sorted.length - 1 - i];
        }
        return new HeatmapStats(label, arg % w, arg / w, map[arg], total / map.length, total > 0 ? top / total : 0);
    }
}
