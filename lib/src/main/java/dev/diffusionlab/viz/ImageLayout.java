package dev.diffusionlab.viz;

import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Plain AWT layout shared by the stages' report pictures: images side by side or one under the other on
 * white, and text wrapped to a pixel width.
 *
 * <pre>{@code
 * BufferedImage page = ImageLayout.column(ImageLayout.row(before, after), chart);
 * List<String> lines = ImageLayout.wrap("a red circle on the left", g.getFontMetrics(), 120);
 * }</pre>
 */
public final class ImageLayout {
    private ImageLayout() {}

    /** Images side by side, top-aligned, on white. */
    public static BufferedImage row(BufferedImage... images) {
        return join(true, images);
    }

    /** Images one under the other, left-aligned, on white. */
    public static BufferedImage column(BufferedImage... images) {
        return join(false, images);
    }

    private static BufferedImage join(boolean across, BufferedImage[] images) {
        int w = 0;
        int h = 0;
        for (BufferedImage i : images) {
            w = across ? w + i.getWidth() : Math.max(w, i.getWidth());
            h = across ? Math.max(h, i.getHeight()) : h + i.getHeight();
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int at = 0;
        for (BufferedImage i : images) {
            g.drawImage(i, across ? at : 0, across ? 0 : at, null);
            at += across ? i.getWidth() : i.getHeight();
        }
        g.dispose();
        return out;
    }

    /** The words of {@code text} in lines no wider than {@code width} pixels (a single longer word gets a line of its own). */
    public static List<String> wrap(String text, FontMetrics fm, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String w : text.split(" ")) {
            String next = line.length() == 0 ? w : line + " " + w;
            if (fm.stringWidth(next) > width && line.length() > 0) {
                lines.add(line.toString());
                line = new StringBuilder(w);
            } else {
                line = new StringBuilder(next);
            }
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}
