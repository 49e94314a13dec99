package dev.diffusionlab.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Pictures in a grid with a caption under each one, e.g. a noising strip "t = 0 … 999".
 *
 * <pre>{@code BufferedImage g = ImageGrid.of(images, captions, 8, 2); // 8 columns, tiles enlarged 2x}</pre>
 */
public final class ImageGrid {
    private static final int PAD = 4;
    private static final int CAPTION = 16;

    private ImageGrid() {}

    /**
     * @param images   tiles (any sizes: each cell is as large as the largest tile)
     * @param captions one per tile, or null for none
     * @param cols     tiles per row
     * @param scale    nearest-neighbour enlargement of every tile (1 = none)
     */
    public static BufferedImage of(List<BufferedImage> images, List<String> captions, int cols, int scale) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("an image grid needs at least one image");
        }
        if (captions != null && captions.size() != images.size()) {
            throw new IllegalArgumentException(captions.size() + " captions for " + images.size() + " images");
        }
        if (cols < 1 || scale < 1) {
            throw new IllegalArgumentException("cols and scale must be >= 1, got " + cols + ", " + scale);
        }
        int cw = 0;
        int ch = 0;
        for (BufferedImage im : images) {
            cw = Math.max(cw, im.getWidth() * scale);
            ch = Math.max(ch, im.getHeight() * scale);
        }
        int cap = captions == null ? 0 : CAPTION;
        int n = images.size();
        int c = Math.min(cols, n);
        int rows = (n + c - 1) / c;
        BufferedImage out = new BufferedImage(c * (cw + PAD) + PAD, rows * (ch + cap + PAD) + PAD, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i < n; i++) {
            BufferedImage im = images.get(i);
            int x = PAD + (i % c) * (cw + PAD);
            int y = PAD + (i / c) * (ch + cap + PAD);
            g.drawImage(im, x, y, im.getWidth() * scale, im.getHeight() * scale, null);
            if (captions != null && captions.get(i) != null) {
                String s = fit(captions.get(i), fm, cw);
                g.setColor(Color.BLACK);
                g.drawString(s, x + (cw - fm.stringWidth(s)) / 2, y + ch + fm.getAscent() + 1);
            }
        }
        g.dispose();
        return out;
    }

    private static String fit(String s, FontMetrics fm, int width) {
        if (fm.stringWidth(s) <= width) {
            return s;
        }
        String t = s;
        while (t.length() > 1 && fm.stringWidth(t + "…") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "…";
    }
}
