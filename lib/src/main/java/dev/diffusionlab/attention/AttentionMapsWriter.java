package dev.diffusionlab.attention;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes the attention maps of one generated image to a folder: one overlay PNG per word
 * ({@code 00-red.png}, …), {@code grid.png} with every word, and {@code stats.json} / {@code stats.csv}
 * with each word's peak location, peak, mean and mass in the top 10 % of pixels.
 *
 * <pre>{@code List<Path> files = AttentionMapsWriter.write(Path.of("maps"), capture.maps(), 0, result.images().get(0));}</pre>
 */
public final class AttentionMapsWriter {
    private AttentionMapsWriter() {}

    /** Writes with per-token normalisation. */
    public static List<Path> write(Path dir, AttentionMaps maps, int b, BufferedImage image) {
        return write(dir, maps, b, image, TokenHeatmaps.Normalization.PER_TOKEN);
    }

    public static List<Path> write(Path dir, AttentionMaps maps, int b, BufferedImage image, TokenHeatmaps.Normalization n) {
        TokenHeatmaps hm = TokenHeatmaps.of(maps, b).normalization(n);
        List<TokenHeatmaps.Heatmap> words = hm.words();
        if (words.isEmpty()) {
            throw new IllegalArgumentException("the prompt \"" + hm.prompt().prompt() + "\" has no words to map");
        }
        List<Path> out = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < words.size(); i++) {
                TokenHeatmaps.Heatmap w = words.get(i);
                Path f = dir.resolve(String.format(Locale.ROOT, "%02d-%s.png", i, safe(w.label())));
                ImageIO.write(hm.overlay(image, w), "png", f.toFile());
                out.add(f);
            }
            Path grid = dir.resolve("grid.png");
            ImageIO.write(hm.grid(image, words), "png", grid.toFile());
            out.add(grid);
            JsonObject root = new JsonObject();
            root.addProperty("prompt", hm.prompt().prompt());
            root.addProperty("normalization", n.name());
            root.addProperty("width", words.get(0).width());
            root.addProperty("height", words.get(0).height());
            JsonArray layers = new JsonArray();
            maps.layers().forEach(layers::add);
            root.add("layers", layers);
            StringBuilder csv = new StringBuilder("word,positions,peak_x,peak_y,peak,mean,top10_mass\n");
            JsonArray arr = new JsonArray();
            for (TokenHeatmaps.Heatmap w : words) {
                HeatmapStats s = HeatmapStats.of(w.label(), w.raw(), w.width(), w.height());
                JsonObject o = new JsonObject();
                o.addProperty("word", s.label());
                JsonArray pos = new JsonArray();
                for (int p : w.positions()) {
                    pos.add(p);
                }
                o.add("positions", pos);
                o.addProperty("peak_x", s.peakX());
                o.addProperty("peak_y", s.peakY());
                o.addProperty("peak", s.peak());
                o.addProperty("mean", s.mean());
                o.addProperty("top10_mass", s.top10Mass());
                arr.add(o);
                csv.append(String.format(Locale.ROOT, "\"%s\",%s,%d,%d,%.6g,%.6g,%.6f%n", s.label().replace("\"", "\"\""),
                        joined(w.positions()), s.peakX(), s.peakY(), s.peak(), s.mean(), s.top10Mass()));
            }
            root.add("words", arr);
            Path json = dir.resolve("stats.json");
            Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(root), StandardCharsets.UTF_8);
            Path csvFile = dir.resolve("stats.csv");
            Files.writeString(csvFile, csv.toString(), StandardCharsets.UTF_8);
            out.add(json);
            out.add(csvFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write attention maps to " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static String joined(int[] p) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < p.length; i++) {
            sb.append(i == 0 ? "" : " ").append(p[i]);
        }
        return sb.toString();
    }

    private static String safe(String s) {
        String t = s.replaceAll("[^\\p{L}\\p{N}_-]+", "_");
        return t.isEmpty() ? "word" : t;
    }
}
