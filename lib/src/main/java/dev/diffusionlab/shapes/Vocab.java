package dev.diffusionlab.shapes;

import java.awt.Color;
import java.util.Locale;

/** The closed word classes of the shapes world: colours, shapes, sizes and positions. */
public final class Vocab {
    private Vocab() {}

    /** Palette colours; saturated and far apart in RGB so thresholding separates them. */
    public enum Colour {
        RED(220, 40, 40), GREEN(40, 170, 60), BLUE(40, 80, 220), YELLOW(235, 205, 30), PURPLE(140, 50, 190), ORANGE(245, 135, 25);

        public final Color rgb;

        Colour(int r, int g, int b) {
            this.rgb = new Color(r, g, b);
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Drawable shapes. */
    public enum ShapeType {
        CIRCLE, SQUARE, TRIANGLE;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Object sizes: the radius of the shape as a fraction of the image side. */
    public enum Size {
        SMALL(0.11), LARGE(0.19);

        public final double radiusFraction;

        Size(double radiusFraction) {
            this.radiusFraction = radiusFraction;
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Positions: the anchor (fraction of width, height) and the caption phrase. */
    public enum Position {
        LEFT(0.25, 0.5, "on the"), RIGHT(0.75, 0.5, "on the"), TOP(0.5, 0.25, "at the"), BOTTOM(0.5, 0.75, "at the"),
        CENTER(0.5, 0.5, "in the");

        public final double x;
        public final double y;
        /** The words before the position word, e.g. "on the" (left). */
        public final String preposition;

        Position(double x, double y, String preposition) {
            this.x = x;
            this.y = y;
            this.preposition = preposition;
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The nearest anchor to a point given in fractions of the image. */
        public static Position nearest(double fx, double fy) {
            Position best = CENTER;
            double bd = Double.MAX_VALUE;
            for (Position p : values()) {
                double d = (p.x - fx) * (p.x - fx) + (p.y - fy) * (p.y - fy);
                if (d < bd) {
                    bd = d;
                    best = p;
                }
            }
            return best;
        }
    }

    /** Background of every image (light grey). */
    public static final Color BACKGROUND = new Color(240, 240, 240);

    static <E extends Enum<E>> E byWord(Class<E> type, String word) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(word)) {
                return e;
            }
        }
        return null;
    }
}
