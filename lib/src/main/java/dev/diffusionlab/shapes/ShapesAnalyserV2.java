package dev.diffusionlab.shapes;

import dev.diffusionlab.shapes.ShapesAnalyser.Blob;
import dev.diffusionlab.shapes.ShapesAnalyser.Score;
import dev.diffusionlab.shapes.Vocab.Colour;
import dev.diffusionlab.shapes.Vocab.Position;
import dev.diffusionlab.shapes.Vocab.ShapeType;
import dev.diffusionlab.shapes.Vocab.Size;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads v2 pictures ({@link ShapesWorldV2}): anti-aliased or slightly blurred edges are blends of an
 * object's colour with the background, so each pixel is tested against every palette colour's line
 * from the background: it belongs to colour c when it lies close to that line (residual ≤
 * {@code maxResidual}) — the closest line wins — and at least half-way to c: the world's own mask rule (coverage ≥ ½). Same-colour
 * pixels form 4-connected blobs; the blob's bounding box gives the position (nearest v2 anchor to its
 * centre) and the size; a triangle is told by its mass sitting low in its box, a square from a circle by
 * the template (the box, or the inscribed ellipse) with the higher IoU against the blob, which separates
 * a 9-pixel square from a circle and survives a blur that rounds a square's corners or eats a triangle's tip.
 *
 * <pre>{@code
 * ShapesAnalyser.Score s = new ShapesAnalyserV2().score(image, "a red circle on the left and a blue square at the top");
 * s.all();
 * }</pre>
 */
public final class ShapesAnalyserV2 implements ShapesReader {
    private final double maxResidual;
    private final double minAreaFraction;

    public ShapesAnalyserV2() {
        this(60, 0.005);
    }

    /**
     * @param maxResidual largest RGB distance of a pixel from a colour's background-to-colour line
     * @param minAreaFraction blobs smaller than this share of the image are noise
     */
    public ShapesAnalyserV2(double maxResidual, double minAreaFraction) {
        this.maxResidual = maxResidual;
        this.minAreaFraction = minAreaFraction;
    }

    /** Palette index of every pixel: the {@link Colour} ordinal, or -1 (background or unreadable). */
    public int[] labels(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        Colour[] colours = Colour.values();
        Color bg = Vocab.BACKGROUND;
        double[][] dir = new double[colours.length][];
        for (Colour c : colours) {
            Color k = ShapesWorldV2.rgb(c);
            dir[c.ordinal()] = new double[] {k.getRed() - bg.getRed(), k.getGreen() - bg.getGreen(), k.getBlue() - bg.getBlue()};
        }
        int[] out = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                double pr = ((rgb >> 16) & 0xFF) - bg.getRed();
                double pg = ((rgb >> 8) & 0xFF) - bg.getGreen();
                double pb = (rgb & 0xFF) - bg.getBlue();
                // the colour line the pixel lies closest to decides its colour; it is that colour's when at least
                // half-way from the background (0.47: 8-bit rounding of a half-covered pixel), else background —
                // so the faint rim of a blue object never reads as a purple ring
                int label = -1;
                double best = maxResidual;
                double bestA = 0;
                for (int c = 0; c < colours.length; c++) {
                    double[] d = dir[c];
                    double a = (pr * d[0] + pg * d[1] + pb * d[2]) / (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                    if (a < 0.15 || a > 1.5) {
                        continue;
                    }
                    double rr = pr - a * d[0];
                    double rg = pg - a * d[1];
                    double rb = pb - a * d[2];
                    double res = Math.sqrt(rr * rr + rg * rg + rb * rb);
                    if (res <= best) {
                        best = res;
                        label = c;
                        bestA = a;
                    }
                }
                out[y * w + x] = bestA >= 0.47 ? label : -1;
            }
        }
        return out;
    }

    /** The blobs of an image, largest first. */
    public List<Blob> read(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int minArea = Math.max(4, (int) Math.round(minAreaFraction * w * h));
        List<Blob> blobs = new ArrayList<>();
        for (ShapesAnalyser.Component c : ShapesAnalyser.components(labels(img), w, h, minArea)) {
            int label = c.label();
            int area = c.area();
            boolean[] mask = c.mask();
            int x0 = c.x0();
            int y0 = c.y0();
            int bw = c.width();
            int bh = c.height();
            double fill = area / (double) (bw * bh);
            ShapeType shape = shapeOf(mask, w, x0, y0, bw, bh);
            // the box's half side is 0.9 r for a square, r otherwise
            double half = Math.max(bw, bh) / 2.0;
            double r = (shape == ShapeType.SQUARE ? half / 0.9 : half) / w;
            Size size = r < (ShapesWorldV2.SMALL_RADIUS + ShapesWorldV2.LARGE_RADIUS) / 2 ? Size.SMALL : Size.LARGE;
            double px = x0 + bw / 2.0;
            double py = y0 + bh / 2.0;
            Position pos = ShapesWorldV2.nearest(px / w, py / h);
            blobs.add(new Blob(Colour.values()[label], shape, size, pos, area, c.sx() / area, c.sy() / area, fill, mask));
        }
        blobs.sort(Comparator.comparingInt(Blob::area).reversed());
        return blobs;
    }

    /**
     * An apex-up triangle is much wider in the lower third of its box than in the upper third (5/6 against
     * 1/6 of the box), which stays true when a blur eats its thin tip; circles and squares are symmetric.
     * Between those two, the template (square = the box, circle = the inscribed ellipse) with the higher
     * IoU against the blob wins.
     */
    static ShapeType shapeOf(boolean[] mask, int w, int x0, int y0, int bw, int bh) {
        int third = Math.max(1, bh / 3);
        double top = 0;
        double bottom = 0;
        for (int y = 0; y < third; y++) {
            for (int x = 0; x < bw; x++) {
                top += mask[(y0 + y) * w + x0 + x] ? 1 : 0;
                bottom += mask[(y0 + bh - 1 - y) * w + x0 + x] ? 1 : 0;
            }
        }
        if ((bottom - top) / (third * (double) bw) > 0.3) {
            return ShapeType.TRIANGLE;
        }
        ShapeType best = ShapeType.CIRCLE;
        double bestIou = -1;
        double rx = bw / 2.0;
        double ry = bh / 2.0;
        for (ShapeType t : List.of(ShapeType.CIRCLE, ShapeType.SQUARE)) {
            int inter = 0;
            int union = 0;
            for (int y = 0; y < bh; y++) {
                for (int x = 0; x < bw; x++) {
                    // pixel centre relative to the box centre, scaled so the box is ±1
                    double u = (x + 0.5 - rx) / rx;
                    double v = (y + 0.5 - ry) / ry;
                    boolean in = switch (t) {
                        case SQUARE -> true;
                        case CIRCLE -> u * u + v * v <= 1;
                        case TRIANGLE -> Math.abs(u) <= (v + 1) / 2;
                    };
                    boolean m = mask[(y0 + y) * w + x0 + x];
                    inter += in && m ? 1 : 0;
                    union += in || m ? 1 : 0;
                }
            }
            double iou = union == 0 ? 0 : inter / (double) union;
            if (iou > bestIou) {
                bestIou = iou;
                best = t;
            }
        }
        return best;
    }

    /** Scores an image against a caption (each object is matched with the largest blob of its colour), as {@link ShapesAnalyser#score}. */
    public Score score(BufferedImage img, String caption) {
        return ShapesAnalyser.score(read(img), caption);
    }
}
