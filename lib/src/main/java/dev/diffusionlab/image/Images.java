package dev.diffusionlab.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Loading, converting and resizing pictures with {@code javax.imageio}. Everything comes back as 8-bit
 * RGB ({@link BufferedImage#TYPE_INT_RGB}): grayscale is copied to R = G = B, an alpha channel is
 * composited on white, and 16-bit samples are scaled to 8 bits (v·255/65535, rounded).
 * {@link #inspect(Path)} says which of these conversions a file needs.
 *
 * <pre>{@code
 * BufferedImage cat = Images.fit(Images.load(Path.of("toy-data/photos/cat.png")), 64); // 64x64 centre crop
 * }</pre>
 */
public final class Images {
    private Images() {}

    /** What a file holds before conversion and what {@link #load(Path)} does to it. */
    public record ImageInfo(Path path, String format, int width, int height, int channels, int bitsPerChannel,
                            boolean alpha, String conversion) {}

    /**
     * Reads a PNG or JPEG (anything {@code javax.imageio} decodes) as 8-bit RGB.
     *
     * @throws IllegalArgumentException if the file is missing, unreadable or not a decodable image
     */
    public static BufferedImage load(Path path) {
        return toRgb8(read(path).image, path);
    }

    /** Reads a file's header and pixels and reports its layout and the conversion {@link #load(Path)} applies. */
    public static ImageInfo inspect(Path path) {
        Decoded d = read(path);
        BufferedImage img = d.image;
        int channels = img.getRaster().getNumBands();
        int bits = img.getColorModel().getComponentSize(0);
        boolean alpha = img.getColorModel().hasAlpha();
        boolean indexed = img.getColorModel() instanceof IndexColorModel;
        StringBuilder conv = new StringBuilder();
        if (indexed) {
            conv.append("palette expanded; ");
        }
        if (bits > 8) {
            conv.append(bits).append("-bit samples scaled to 8-bit; ");
        }
        if (!indexed && channels <= 2) {
            conv.append("grayscale copied to RGB; ");
        }
        if (alpha) {
            conv.append("alpha composited on white; ");
        }
        String c = conv.length() == 0 ? "none (8-bit RGB)" : conv.substring(0, conv.length() - 2);
        return new ImageInfo(path, d.format, img.getWidth(), img.getHeight(), channels, bits, alpha, c);
    }

    private record Decoded(BufferedImage image, String format) {}

    private static Decoded read(Path path) {
        if (path == null) {
            throw new IllegalArgumentException("image path is null");
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("image file not found: " + path.toAbsolutePath());
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(path.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IllegalArgumentException("unsupported image file " + path.toAbsolutePath()
                        + ": not a format javax.imageio can decode (use PNG or JPEG)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                return new Decoded(reader.read(0), reader.getFormatName().toLowerCase());
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith("unsupported image file")) {
                throw iae;
            }
            throw new IllegalArgumentException("cannot decode image file " + path.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** Converts any decoded image to 8-bit RGB (see the class comment); {@code source} names it in errors. */
    public static BufferedImage toRgb8(BufferedImage img, Object source) {
        int w = img.getWidth();
        int h = img.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        if (img.getColorModel() instanceof ComponentColorModel cm) {
            // Read raw samples: BufferedImage.getRGB would push linear-gray images through a gamma curve.
            Raster r = img.getRaster();
            int bands = r.getNumBands();
            boolean alpha = cm.hasAlpha();
            int colorBands = alpha ? bands - 1 : bands;
            if (colorBands != 1 && colorBands != 3) {
                throw new IllegalArgumentException("unsupported image " + source + ": " + bands + " channels");
            }
            double[] scale = new double[bands];
            for (int b = 0; b < bands; b++) {
                scale[b] = 255.0 / ((1L << cm.getComponentSize(b)) - 1);
            }
            int[] px = new int[bands];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    r.getPixel(x, y, px);
                    double a = alpha ? px[bands - 1] * scale[bands - 1] / 255.0 : 1.0;
                    int[] rgb = new int[3];
                    for (int c = 0; c < 3; c++) {
                        int b = colorBands == 1 ? 0 : c;
                        double v = px[b] * scale[b];
                        rgb[c] = (int) Math.round(v * a + 255.0 * (1 - a));
                    }
                    out.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
                }
            }
            return out;
        }
        // Palette and packed-int images: getRGB is exact for these (sRGB, 8 bits).
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y);
                double a = ((argb >>> 24) & 0xff) / 255.0;
                int rr = (int) Math.round(((argb >> 16) & 0xff) * a + 255 * (1 - a));
                int gg = (int) Math.round(((argb >> 8) & 0xff) * a + 255 * (1 - a));
                int bb = (int) Math.round((argb & 0xff) * a + 255 * (1 - a));
                out.setRGB(x, y, (rr << 16) | (gg << 8) | bb);
            }
        }
        return out;
    }

    /** Resizes to exactly w×h (bicubic; large reductions go in halving steps so detail is averaged, not skipped). */
    public static BufferedImage resize(BufferedImage img, int w, int h) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + w + "x" + h);
        }
        BufferedImage cur = img.getType() == BufferedImage.TYPE_INT_RGB ? img : toRgb8(img, "image");
        while (cur.getWidth() / 2 >= w && cur.getHeight() / 2 >= h) {
            cur = draw(cur, cur.getWidth() / 2, cur.getHeight() / 2, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        }
        return cur.getWidth() == w && cur.getHeight() == h ? dev.diffusionlab.core.Outputs.toRgb(cur)
                : draw(cur, w, h, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
    }

    /** Nearest-neighbour enlargement by an integer factor (keeps pixels visible as squares). */
    public static BufferedImage enlarge(BufferedImage img, int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("enlarge factor must be >= 1, got " + factor);
        }
        return draw(img, img.getWidth() * factor, img.getHeight() * factor,
                RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    }

    /** The centred w×h window of the image (w, h no larger than the image). */
    public static BufferedImage centerCrop(BufferedImage img, int w, int h) {
        if (w <= 0 || h <= 0 || w > img.getWidth() || h > img.getHeight()) {
            throw new IllegalArgumentException("crop " + w + "x" + h + " does not fit in a "
                    + img.getWidth() + "x" + img.getHeight() + " image");
        }
        int x = (img.getWidth() - w) / 2;
        int y = (img.getHeight() - h) / 2;
        return dev.diffusionlab.core.Outputs.toRgb(img.getSubimage(x, y, w, h));
    }

    /** Resizes so the shorter side is {@code size}, then centre-crops to size×size. */
    public static BufferedImage fit(BufferedImage img, int size) {
        return fit(img, size, size);
    }

    /** Resizes (keeping the aspect ratio) until w×h is covered, then centre-crops to w×h. */
    public static BufferedImage fit(BufferedImage img, int w, int h) {
        double s = Math.max((double) w / img.getWidth(), (double) h / img.getHeight());
        int rw = Math.max(w, (int) Math.round(img.getWidth() * s));
        int rh = Math.max(h, (int) Math.round(img.getHeight() * s));
        return centerCrop(resize(img, rw, rh), w, h);
    }

    /** Writes a PNG, creating parent folders. */
    public static Path savePng(BufferedImage img, Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            if (!ImageIO.write(img, "png", file.toFile())) {
                throw new IllegalArgumentException("no PNG writer for image type " + img.getType());
            }
            return file;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static BufferedImage draw(BufferedImage src, int w, int h, Object interpolation) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, interpolation);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        return out;
    }
}
