package dev.diffusionlab.shapes;

import dev.diffusionlab.shapes.Vocab.Colour;
import dev.diffusionlab.shapes.Vocab.Position;
import dev.diffusionlab.shapes.Vocab.ShapeType;
import dev.diffusionlab.shapes.Vocab.Size;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A rule-based reader of shapes-world images: each pixel takes the nearest palette colour (or the
 * background) when it is close enough, same-colour pixels form 4-connected blobs, and each blob's
 * centroid gives the position word, its equivalent radius the size and its bounding-box fill ratio
 * the shape (square: fill ≈ 1; triangle: fill ≈ 1/2 and the centroid 1/6 of the box below its
 * centre; circle: the rest).
 *
 * <pre>{@code
 * ShapesAnalyser a = new ShapesAnalyser();
 * List<ShapesAnalyser.Blob> blobs = a.read(image);
 * ShapesAnalyser.Score s = a.score(image, "a red circle on the left");
 * s.colour();   // true when a red blob is there
 * }</pre>
 */
public final class ShapesAnalyser implements ShapesReader {
    /** A pixel farther than this (RGB Euclidean) from every palette colour counts as neither. */
    private final double maxColourDistance;
    /** Blobs smaller than this fraction of the image are noise. */
    private final double minAreaFraction;

    public ShapesAnalyser() {
        this(90, 0.006);
    }

    public ShapesAnalyser(double maxColourDistance, double minAreaFraction) {
        this.maxColourDistance = maxColourDistance;
        this.minAreaFraction = minAreaFraction;
    }

    /** One connected blob of a palette colour and what it reads as. */
    public record Blob(Colour colour, ShapeType shape, Size size, Position position, int area, double cx, double cy,
                       double fill, boolean[] mask) {}

    /** The verdict for one caption object: each attribute's correctness (size is null when the caption does not say it). */
    public record ObjectScore(ObjectSpec spec, Blob blob, boolean colour, boolean shape, boolean position, Boolean size) {}

    /** A caption's verdict: one entry per caption object, plus whether no extra object was drawn. */
    public record Score(String caption, List<ObjectScore> objects, boolean count) {
        public boolean colour() {
            return objects.stream().allMatch(ObjectScore::colour);
        }

        public boolean shape() {
            return objects.stream().allMatch(ObjectScore::shape);
        }

        public boolean position() {
            return objects.stream().allMatch(ObjectScore::position);
        }

        /** All attributes of all objects right and no extra blob. */
        public boolean all() {
            return count && objects.stream().allMatch(o -> o.colour && o.shape && o.position && (o.size == null || o.size));
        }
    }

    /** Palette index of every pixel: 0..5 the {@link Colour} ordinal, -1 background, -2 unknown. */
    public int[] labels(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] out = new int[w * h];
        Colour[] colours = Colour.values();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                double best = dist(r, g, b, Vocab.BACKGROUND);
                int label = -1;
                for (Colour c : colours) {
                    double d = dist(r, g, b, c.rgb);
                    if (d < best) {
                        best = d;
                        label = c.ordinal();
                    }
                }
                out[y * w + x] = best <= maxColourDistance ? label : -2;
            }
        }
        return out;
    }

    private static double dist(int r, int g, int b, Color c) {
        double dr = r - c.getRed();
        double dg = g - c.getGreen();
        double db = b - c.getBlue();
        return Math.sqrt(dr * dr + dg * dg + db * db);
    }

    /** The blobs of an image, largest first. */
    public List<Blob> read(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int minArea = Math.max(3, (int) Math.round(minAreaFraction * w * h));
        List<Blob> blobs = new ArrayList<>();
        for (Component c : components(labels(img), w, h, minArea)) {
            int area = c.area();
            double fill = area / (double) (c.width() * c.height());
            // an apex-up triangle's mass sits low: its centroid is 1/6 of the box height below the box centre
            double drop = (c.sy() / area - (c.y0() + c.y1() + 1) / 2.0) / c.height();
            ShapeType shape = fill >= 0.89 ? ShapeType.SQUARE
                    : drop > 0.08 || fill < 0.6 ? ShapeType.TRIANGLE : ShapeType.CIRCLE;
            // equivalent radius: area = k·r² with k = 3.24 (square of side 1.8r), π (circle), 2 (triangle)
            double k = switch (shape) {
                case SQUARE -> 3.24;
                case CIRCLE -> Math.PI;
                case TRIANGLE -> 2.0;
            };
            double r = Math.sqrt(area / k) / w;
            Size size = r < (Size.SMALL.radiusFraction + Size.LARGE.radiusFraction) / 2 ? Size.SMALL : Size.LARGE;
            // a triangle's area centroid sits r/3 below its box centre; the box centre is the drawn centre
            double px = (c.x0() + c.x1() + 1) / 2.0;
            double py = (c.y0() + c.y1() + 1) / 2.0;
            blobs.add(new Blob(Colour.values()[c.label()], shape, size, Position.nearest(px / w, py / h), area, c.sx() / area,
                    c.sy() / area, fill, c.mask()));
        }
        blobs.sort(Comparator.comparingInt(Blob::area).reversed());
        return blobs;
    }

    /**
     * One 4-connected run of same-label pixels: its label, mask, pixel count, sums of the pixel centres
     * ({@code sx / area} is the centroid) and inclusive bounding box.
     */
    record Component(int label, boolean[] mask, int area, double sx, double sy, int x0, int x1, int y0, int y1) {
        int width() {
            return x1 - x0 + 1;
        }

        int height() {
            return y1 - y0 + 1;
        }
    }

    /** The 4-connected components of the labelled pixels (labels ≥ 0) of at least {@code minArea} pixels, in scan order. */
    static List<Component> components(int[] labels, int w, int h, int minArea) {
        boolean[] seen = new boolean[w * h];
        List<Component> out = new ArrayList<>();
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int start = 0; start < w * h; start++) {
            if (seen[start] || labels[start] < 0) {
                continue;
            }
            int label = labels[start];
            boolean[] mask = new boolean[w * h];
            queue.add(start);
            seen[start] = true;
            int area = 0;
            double sx = 0;
            double sy = 0;
            int x0 = w;
            int x1 = -1;
            int y0 = h;
            int y1 = -1;
            while (!queue.isEmpty()) {
                int p = queue.poll();
                int x = p % w;
                int y = p / w;
                mask[p] = true;
                area++;
                sx += x + 0.5;
                sy += y + 0.5;
                x0 = Math.min(x0, x);
                x1 = Math.max(x1, x);
                y0 = Math.min(y0, y);
                y1 = Math.max(y1, y);
                int[] nbrs = {x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1};
                for (int q : nbrs) {
                    if (q >= 0 && !seen[q] && labels[q] == label) {
                        seen[q] = true;
                        queue.add(q);
                    }
                }
            }
            if (area >= minArea) {
                out.add(new Component(label, mask, area, sx, sy, x0, x1, y0, y1));
            }
        }
        return out;
    }

    /** Scores an image against a caption of the grammar (each object is matched with the largest blob of its colour). */
    public Score score(BufferedImage img, String caption) {
        return score(read(img), caption);
    }

    /** Scores blobs (largest first) against a caption: each object is matched with the largest blob of its colour. */
    static Score score(List<Blob> blobs, String caption) {
        List<ObjectSpec> specs = Caption.parse(caption);
        List<ObjectScore> out = new ArrayList<>();
        for (ObjectSpec s : specs) {
            Blob b = blobs.stream().filter(x -> x.colour() == s.colour()).findFirst().orElse(null);
            if (b == null) {
                out.add(new ObjectScore(s, null, false, false, false, s.size() == null ? null : false));
            } else {
                out.add(new ObjectScore(s, b, true, b.shape() == s.shape(), b.position() == s.position(),
                        s.size() == null ? null : b.size() == s.size()));
            }
        }
        return new Score(caption, List.copyOf(out), blobs.size() == specs.size());
    }
}
